// Connect: the device's connection password, then "connecting" or, for attended devices,
// "waiting for the customer to accept"; refusals and wrong passwords are said plainly.
// When the relay pairs, the dialog gives way to the session viewer (its screen, or only its
// files for a files-only session).

import { h, replace, icon } from '../dom.js';
import { t } from '../i18n.js';
import { SessionViewer, loadNoVNC } from '../viewer/session-viewer.js';

/**
 * Opens the dialog for `device`; `channel` is what the session starts with.
 * @param {{ device: string, mode?: string, channel?: 'desktop'|'files', onClosed: () => void }} options
 */
export function ConnectDialog({ device, mode, channel = 'desktop', onClosed }) {
  const filesOnly = channel === 'files';
  if (!filesOnly) loadNoVNC().catch(() => {});
  let viewer = null;
  const password = h('input', { type: 'password', id: 'connect-password', name: 'connection-password', required: true, autocomplete: 'off', spellcheck: 'false' });
  const message = h('p', { class: 'form__error', id: 'connect-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'button button--primary', id: 'connect-submit' }, icon(filesOnly ? 'folder' : 'monitor'), h('span', { text: t(filesOnly ? 'connect.submitFiles' : 'connect.submit') }));
  const cancel = h('button', { type: 'button', class: 'button', id: 'connect-cancel', text: t('common.cancel'), onclick: () => abandon() });
  const body = h('div', { class: 'dialog__body' });
  const form = h(
    'form',
    { class: 'form', method: 'dialog', novalidate: true, onsubmit: (event) => start(event) },
    h('div', { class: 'field' }, h('label', { for: 'connect-password', class: 'field__label', text: t('connect.password') }), password, h('span', { class: 'field__hint', text: t('connect.passwordHint') })),
    message,
    h('div', { class: 'dialog__actions' }, cancel, submit),
  );
  const dialog = h(
    'dialog',
    { class: 'dialog', id: 'connect-dialog', 'aria-labelledby': 'connect-title' },
    h('h2', { class: 'dialog__title', id: 'connect-title' }, h('span', { text: t(filesOnly ? 'connect.titleFiles' : 'connect.title') }), h('span', { class: 'dialog__device', text: device })),
    mode ? h('p', { class: 'dialog__meta' }, h('span', { class: `badge badge--${mode}`, text: t(`mode.${mode}`) }), h('span', { class: 'muted', text: t(`mode.${mode}.hint`) })) : null,
    body,
  );
  replace(body, form);

  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    abandon();
  });

  function showForm(error) {
    replace(body, form);
    message.hidden = !error;
    message.textContent = error ?? '';
    submit.disabled = false;
    password.select();
    password.focus();
  }

  function showWaiting(attended) {
    replace(
      body,
      h(
        'div',
        { class: 'waiting', id: 'connect-waiting', role: 'status' },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        h('p', { class: 'waiting__title', text: attended ? t('connect.waitingCustomer') : t('connect.connecting') }),
        attended ? h('p', { class: 'muted', text: t('connect.waitingCustomerDetail') }) : null,
        h('div', { class: 'dialog__actions' }, h('button', { type: 'button', class: 'button', id: 'connect-waiting-cancel', text: t('common.cancel'), onclick: () => abandon() })),
      ),
    );
  }

  function start(event) {
    event.preventDefault();
    if (!password.value) {
      showForm(t('connect.passwordMissing'));
      return;
    }
    const clicked = performance.now();
    submit.disabled = true;
    message.hidden = true;
    const secret = password.value;
    viewer = SessionViewer({ device, password: secret, channel, onClose: () => onClosed() });
    showWaiting(false);
    viewer.connect(
      {
        onWaiting: (attended) => showWaiting(attended),
        onPaired: () => {
          password.value = '';
          dialog.close();
          dialog.remove();
        },
        onFailed: (text) => {
          const failed = viewer;
          viewer = null;
          failed?.cancel();
          showForm(text);
        },
      },
      clicked,
    );
  }

  function abandon() {
    if (viewer) {
      const v = viewer;
      viewer = null;
      v.cancel();
    } else {
      onClosed();
    }
    dialog.close();
    dialog.remove();
  }

  document.body.append(dialog);
  dialog.showModal();
  password.focus();
}
