// The on-screen keyboard for tablets: a hidden text field that, once focused, brings up the
// system keyboard; what is typed goes to the remote computer as key presses.

import { h, icon } from '../dom.js';
import { t } from '../i18n.js';

/**
 * @param {{ target: () => any, keysym: Record<string, number>, lookup: (codepoint: number) => number }} options
 */
export function TouchKeyboard({ target, keysym: K, lookup }) {
  const input = h('textarea', { class: 'touch-keyboard__input', id: 'touch-keyboard-input', autocapitalize: 'off', autocomplete: 'off', spellcheck: 'false', 'aria-label': t('viewer.keyboard') });
  const tap = (sym, code) => {
    const rfb = target();
    if (!rfb) return;
    rfb.sendKey(sym, code, true);
    rfb.sendKey(sym, code, false);
  };
  input.addEventListener('beforeinput', (event) => {
    switch (event.inputType) {
      case 'deleteContentBackward':
        tap(K.XK_BackSpace, 'Backspace');
        break;
      case 'insertLineBreak':
      case 'insertParagraph':
        tap(K.XK_Return, 'Enter');
        break;
      default:
        if (event.data) for (const ch of event.data) tap(lookup(ch.codePointAt(0)), null);
    }
    event.preventDefault();
  });
  const button = h(
    'button',
    { type: 'button', class: 'tool', id: 'touch-keyboard-button', title: t('viewer.keyboard'), 'aria-label': t('viewer.keyboard'), onclick: () => (document.activeElement === input ? input.blur() : input.focus()) },
    icon('keyboard'),
    h('span', { class: 'tool__label', text: t('viewer.keyboard') }),
  );
  return { el: h('div', { class: 'touch-keyboard' }, button, input) };
}
