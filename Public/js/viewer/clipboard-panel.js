// Clipboard both ways: text sent to the remote computer, and the remote's clipboard shown
// here (and put on this computer's clipboard when the browser allows it).

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { Popover } from './popover.js';

/**
 * @param {{ target: () => any }} options `target()` is the current noVNC RFB (or null).
 */
export function ClipboardPanel({ target }) {
  const text = h('textarea', { id: 'clipboard-text', class: 'clipboard__text', rows: '5', spellcheck: 'false', 'aria-label': t('clipboard.text') });
  const note = h('p', { class: 'clipboard__note', role: 'status' });
  const say = (message) => {
    note.textContent = message;
  };
  const send = (value) => {
    const rfb = target();
    if (!rfb) return;
    rfb.clipboardPasteFrom(value);
    say(t('clipboard.sent', { n: [...value].length }));
  };
  const panel = h(
    'div',
    { class: 'clipboard' },
    h('p', { class: 'menu__label', text: t('clipboard.help') }),
    text,
    h(
      'div',
      { class: 'clipboard__actions' },
      h('button', { type: 'button', class: 'button button--primary button--small', id: 'clipboard-send', text: t('clipboard.send'), onclick: () => send(text.value) }),
      h('button', {
        type: 'button', class: 'button button--small', id: 'clipboard-paste-local', text: t('clipboard.pasteLocal'),
        onclick: async () => {
          try {
            const value = await navigator.clipboard.readText();
            text.value = value;
            send(value);
          } catch {
            say(t('clipboard.readDenied'));
          }
        },
      }),
      h('button', {
        type: 'button', class: 'button button--small', id: 'clipboard-copy-local', text: t('clipboard.copyLocal'),
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(text.value);
            say(t('clipboard.copied'));
          } catch {
            text.select();
            say(t('clipboard.writeDenied'));
          }
        },
      }),
    ),
    note,
  );
  const popover = Popover({ id: 'clipboard-panel', label: t('viewer.clipboard'), iconName: 'clipboard', panel, onOpen: () => text.focus() });
  return {
    el: popover.el,
    close: () => popover.close(),
    /** The remote computer's clipboard changed. */
    received(value) {
      text.value = value;
      say(t('clipboard.received'));
      popover.button.classList.add('tool--flash');
      setTimeout(() => popover.button.classList.remove('tool--flash'), 1200);
      navigator.clipboard?.writeText(value).catch(() => {});
    },
  };
}
