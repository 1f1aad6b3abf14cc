// A small modal question (confirm, or ask for one text value). Resolves to the answer, or
// null when cancelled.

import { h } from '../dom.js';
import { t } from '../i18n.js';

/**
 * @param {{ title: string, text?: string, confirm: string, danger?: boolean, input?: { label: string, value?: string } }} options
 * @returns {Promise<string|true|null>}
 */
export function ask({ title, text, confirm, danger = false, input }) {
  return new Promise((resolve) => {
    const field = input ? h('input', { id: 'ask-input', value: input.value ?? '', spellcheck: 'false', autocomplete: 'off' }) : null;
    const dialog = h(
      'dialog',
      { class: 'dialog dialog--small', id: 'ask-dialog' },
      h(
        'form',
        { class: 'form', method: 'dialog' },
        h('h2', { class: 'dialog__title', text: title }),
        text ? h('p', { text }) : null,
        field ? h('div', { class: 'field' }, h('label', { for: 'ask-input', class: 'field__label', text: input.label }), field) : null,
        h(
          'div',
          { class: 'dialog__actions' },
          h('button', { type: 'button', class: 'button', value: 'cancel', text: t('common.cancel'), onclick: () => dialog.close('cancel') }),
          h('button', { type: 'submit', class: `button ${danger ? 'button--danger' : 'button--primary'}`, id: 'ask-confirm', value: 'ok', text: confirm }),
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      const ok = dialog.returnValue === 'ok';
      dialog.remove();
      resolve(ok ? (field ? field.value : true) : null);
    });
    document.body.append(dialog);
    dialog.showModal();
    (field ?? dialog.querySelector('#ask-confirm')).focus();
  });
}
