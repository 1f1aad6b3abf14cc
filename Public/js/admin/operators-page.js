// Tenant admin: operators and seats (used / total), add, deactivate and reactivate.

import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { describeError } from '../errors.js';
import { currentOperator } from '../session.js';
import { ask } from '../components/confirm-dialog.js';

/** The operators page view. */
export function OperatorsPage() {
  const seats = h('div', { class: 'seats', id: 'seats' });
  const tbody = h('tbody');
  const notice = h('p', { class: 'notice', role: 'status', hidden: true });
  const formError = h('p', { class: 'form__error', role: 'alert', hidden: true, id: 'operator-error' });
  const login = h('input', { id: 'new-operator-login', required: true, autocomplete: 'off', spellcheck: 'false' });
  const password = h('input', { id: 'new-operator-password', type: 'password', required: true, autocomplete: 'new-password', minlength: '8' });
  const role = h('select', { id: 'new-operator-role' }, h('option', { value: 'operator', text: t('role.operator') }), h('option', { value: 'admin', text: t('role.admin') }));
  const add = h('button', { type: 'submit', class: 'button button--primary', id: 'new-operator-submit', text: t('operators.add') });

  const say = (text) => {
    notice.hidden = !text;
    notice.textContent = text;
  };

  async function load() {
    try {
      const roster = await api('GET', '/api/v1/operators');
      const used = roster.seatsUsed;
      const pct = roster.seats > 0 ? Math.min(100, Math.round((used / roster.seats) * 100)) : 100;
      replace(
        seats,
        h('div', { class: 'seats__numbers' }, h('strong', { class: 'seats__used', text: String(used) }), h('span', { class: 'muted', text: ` / ${roster.seats} ${t('operators.seats')}` })),
        h('progress', { class: `seats__bar${used >= roster.seats ? ' seats__bar--full' : ''}`, max: '100', value: String(pct), 'aria-label': t('operators.seatsUsed', { used, total: roster.seats }) }),
        h('p', { class: 'muted', text: used >= roster.seats ? t('operators.seatsFull') : t('operators.seatsFree', { n: roster.seats - used }) }),
      );
      add.disabled = used >= roster.seats;
      replace(tbody, roster.operators.map(row));
    } catch (error) {
      say(describeError(error));
    }
  }

  function row(op) {
    const self = op.id === currentOperator()?.id;
    const action = op.active
      ? h('button', {
          type: 'button', class: 'button button--small button--danger-ghost', disabled: self, title: self ? t('operators.cannotSelf') : '', text: t('operators.deactivate'),
          onclick: async () => {
            const ok = await ask({ title: t('operators.deactivateTitle', { login: op.login }), text: t('operators.deactivateText'), confirm: t('operators.deactivate'), danger: true });
            if (ok) setActive(op, false);
          },
        })
      : h('button', { type: 'button', class: 'button button--small', text: t('operators.reactivate'), onclick: () => setActive(op, true) });
    return h(
      'tr',
      { dataset: { login: op.login } },
      h('td', {}, h('strong', { text: op.login }), self ? h('span', { class: 'muted', text: ` (${t('operators.you')})` }) : null),
      h('td', {}, h('span', { class: `badge badge--${op.role}`, text: t(`role.${op.role}`) })),
      h('td', {}, h('span', { class: `state state--${op.active ? 'online' : 'offline'}`, text: op.active ? t('operators.active') : t('operators.inactive') })),
      h('td', { class: 'table__action' }, action),
    );
  }

  async function setActive(op, active) {
    try {
      await api('PATCH', `/api/v1/operators/${op.id}`, { active });
      say(active ? t('operators.reactivated', { login: op.login }) : t('operators.deactivated', { login: op.login }));
    } catch (error) {
      say(describeError(error));
    }
    load();
  }

  const form = h(
    'form',
    {
      class: 'form form--inline', id: 'new-operator-form', novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        formError.hidden = true;
        if (!login.value.trim() || password.value.length < 8) {
          formError.hidden = false;
          formError.textContent = t('operators.formInvalid');
          return;
        }
        add.disabled = true;
        try {
          await api('POST', '/api/v1/operators', { login: login.value.trim(), password: password.value, role: role.value });
          say(t('operators.added', { login: login.value.trim() }));
          login.value = '';
          password.value = '';
        } catch (error) {
          formError.hidden = false;
          formError.textContent = describeError(error);
        }
        add.disabled = false;
        load();
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'new-operator-login', class: 'field__label', text: t('operators.login') }), login),
    h('div', { class: 'field' }, h('label', { for: 'new-operator-password', class: 'field__label', text: t('operators.password') }), password),
    h('div', { class: 'field' }, h('label', { for: 'new-operator-role', class: 'field__label', text: t('operators.role') }), role),
    add,
  );

  load();
  return {
    el: h(
      'div',
      { class: 'page' },
      h('div', { class: 'page__head' }, h('h1', { class: 'page__title', text: t('operators.title') })),
      notice,
      h('div', { class: 'grid-2' }, h('section', { class: 'card' }, h('h2', { class: 'card__title', text: t('operators.seatsTitle') }), seats), h('section', { class: 'card' }, h('h2', { class: 'card__title', text: t('operators.addTitle') }), form, formError)),
      h('section', { class: 'card card--flush' }, h('table', { class: 'table', id: 'operator-table' }, h('thead', {}, h('tr', {}, ...['operators.col.login', 'operators.col.role', 'operators.col.state', 'operators.col.action'].map((k) => h('th', { scope: 'col', text: t(k) })))), tbody)),
    ),
  };
}
