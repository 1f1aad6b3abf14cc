// Tenant admin: enrollment tokens for new agents, with the one-line command that starts
// the agent on the customer's machine.

import { h, replace, icon } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { describeError } from '../errors.js';
import { dateTime } from '../format.js';

/** Quotes `text` for a POSIX shell. */
function shellQuote(text) {
  return /^[A-Za-z0-9._:/=@-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The enrollment card. */
export function EnrollmentPanel() {
  const name = h('input', { id: 'enroll-name', value: 'new-pc', spellcheck: 'false', autocomplete: 'off' });
  const mode = h('select', { id: 'enroll-mode' }, h('option', { value: 'attended', text: t('mode.attended') }), h('option', { value: 'unattended', text: t('mode.unattended') }));
  const uses = h('input', { id: 'enroll-uses', type: 'number', min: '1', max: '1000', value: '1' });
  const hours = h('input', { id: 'enroll-hours', type: 'number', min: '1', max: '720', value: '24' });
  const result = h('div', { class: 'enroll__result', id: 'enroll-result', hidden: true });
  const error = h('p', { class: 'form__error', role: 'alert', hidden: true });
  let issued = null;

  function command() {
    if (!issued) return '';
    return [
      `printf '%s\\n' 'CONNECTION-PASSWORD' |`,
      'tsunagu-agent run',
      `--server ${shellQuote(location.origin)}`,
      `--company ${shellQuote(issued.company)}`,
      `--name ${shellQuote(name.value.trim() || 'new-pc')}`,
      `--enroll-token ${shellQuote(issued.token)}`,
      ...(issued.serverKey ? [`--server-key ${shellQuote(issued.serverKey)}`] : []),
      `--mode ${mode.value}`,
      '--password-stdin',
    ].join(' ');
  }

  function show() {
    if (!issued) return;
    const code = h('code', { class: 'command', id: 'enroll-command', text: command() });
    const copy = h('button', {
      type: 'button', class: 'button button--small', id: 'enroll-copy',
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(command());
          copy.textContent = t('enroll.copied');
        } catch {
          const range = document.createRange();
          range.selectNodeContents(code);
          getSelection()?.removeAllRanges();
          getSelection()?.addRange(range);
        }
      },
    }, icon('copy'), h('span', { text: t('enroll.copy') }));
    result.hidden = false;
    replace(
      result,
      h('p', {}, h('span', { class: 'muted', text: `${t('enroll.token')}: ` }), h('code', { class: 'token', id: 'enroll-token', text: issued.token })),
      h('p', { class: 'muted', text: t('enroll.expires', { when: dateTime(issued.expiresAt), uses: issued.uses }) }),
      h('p', { class: 'field__label', text: t('enroll.command') }),
      h('div', { class: 'command-box' }, code, copy),
      h('p', { class: 'field__hint', text: t('enroll.commandHint') }),
    );
  }
  name.addEventListener('input', show);
  mode.addEventListener('change', show);

  const form = h(
    'form',
    {
      class: 'form form--inline', novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        error.hidden = true;
        try {
          issued = await api('POST', '/api/v1/enrollment-tokens', { uses: Number(uses.value) || 1, expiresInHours: Number(hours.value) || 24 });
          show();
        } catch (e) {
          error.hidden = false;
          error.textContent = describeError(e);
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'enroll-name', class: 'field__label', text: t('enroll.name') }), name),
    h('div', { class: 'field' }, h('label', { for: 'enroll-mode', class: 'field__label', text: t('enroll.mode') }), mode),
    h('div', { class: 'field field--narrow' }, h('label', { for: 'enroll-uses', class: 'field__label', text: t('enroll.uses') }), uses),
    h('div', { class: 'field field--narrow' }, h('label', { for: 'enroll-hours', class: 'field__label', text: t('enroll.hours') }), hours),
    h('button', { type: 'submit', class: 'button button--primary', id: 'enroll-submit', text: t('enroll.create') }),
  );
  return h('section', { class: 'card' }, h('h2', { class: 'card__title', text: t('enroll.title') }), h('p', { class: 'muted', text: t('enroll.lead') }), form, error, result);
}
