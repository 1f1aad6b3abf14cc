// The connection log: filter by operator, device and date; export as CSV. Admins see the
// whole company's log, operators their own sessions (the server decides).

import { h, replace, icon } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { describeError, describeEndReason } from '../errors.js';
import { dateTime, duration, bytes, isoDay } from '../format.js';
import { isAdmin } from '../session.js';

/** A local calendar day's start (or end) as an ISO time the server accepts. */
function localDayBound(day, end) {
  if (!day) return null;
  const date = new Date(`${day}T00:00:00`);
  if (end) date.setDate(date.getDate() + 1);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The connection-log page view. */
export function ConnectionLogPage() {
  const from = h('input', { type: 'date', id: 'log-from', value: isoDay(30) });
  const to = h('input', { type: 'date', id: 'log-to', value: isoDay(0) });
  const operator = h('select', { id: 'log-operator' }, h('option', { value: '', text: t('log.allOperators') }));
  const device = h('input', { id: 'log-device', list: 'log-device-list', placeholder: t('log.allDevices'), spellcheck: 'false', autocomplete: 'off' });
  const deviceList = h('datalist', { id: 'log-device-list' });
  const tbody = h('tbody');
  const summary = h('p', { class: 'muted', id: 'log-summary', role: 'status' });
  const error = h('p', { class: 'form__error', role: 'alert', hidden: true });
  const exportLink = h('a', { class: 'button', id: 'log-export', href: '#', download: 'connection-log.csv' }, icon('copy'), h('span', { text: t('log.export') }));

  function query(format) {
    const params = new URLSearchParams();
    const f = localDayBound(from.value, false);
    const tt = localDayBound(to.value, true);
    if (f) params.set('from', f);
    if (tt) params.set('to', tt);
    if (operator.value) params.set('operator', operator.value);
    if (device.value.trim()) params.set('device', device.value.trim());
    params.set('format', format);
    return `/api/v1/connection-log?${params}`;
  }

  async function load() {
    exportLink.href = query('csv');
    error.hidden = true;
    try {
      const records = await api('GET', query('json'));
      records.sort((a, b) => b.seq - a.seq);
      replace(tbody, records.map(row));
      summary.textContent = t('log.count', { n: records.length });
    } catch (e) {
      error.hidden = false;
      error.textContent = describeError(e);
    }
  }

  function row(r) {
    return h(
      'tr',
      { dataset: { session: r.sessionId } },
      h('td', { text: dateTime(r.startedAt ?? r.requestedAt) }),
      h('td', {}, h('strong', { text: r.operator })),
      h('td', { text: r.device }),
      h('td', { text: r.startedAt ? duration(r.startedAt, r.endedAt) : '—' }),
      h('td', { class: 'num', text: `${bytes(r.bytesFromAgent)} / ${bytes(r.bytesFromOperator)}` }),
      h('td', { class: 'log__reason', text: describeEndReason(r.endReason), title: r.endReason }),
      h('td', { class: 'muted', text: r.operatorAddress ?? '—' }),
    );
  }

  (async () => {
    try {
      const devices = await api('GET', '/api/v1/devices');
      replace(deviceList, devices.map((d) => h('option', { value: d.name })));
      if (isAdmin()) {
        const roster = await api('GET', '/api/v1/operators');
        for (const op of roster.operators) operator.append(h('option', { value: op.login, text: op.login }));
      }
    } catch {
      // Filters still work by typing.
    }
  })();
  load();

  const form = h(
    'form',
    { class: 'form form--inline filters', novalidate: true, onsubmit: (event) => { event.preventDefault(); load(); } },
    h('div', { class: 'field' }, h('label', { for: 'log-from', class: 'field__label', text: t('log.from') }), from),
    h('div', { class: 'field' }, h('label', { for: 'log-to', class: 'field__label', text: t('log.to') }), to),
    isAdmin() ? h('div', { class: 'field' }, h('label', { for: 'log-operator', class: 'field__label', text: t('log.operator') }), operator) : null,
    h('div', { class: 'field' }, h('label', { for: 'log-device', class: 'field__label', text: t('log.device') }), device, deviceList),
    h('button', { type: 'submit', class: 'button button--primary', id: 'log-apply', text: t('log.apply') }),
    exportLink,
  );
  for (const input of [from, to, operator]) input.addEventListener('change', () => load());

  return {
    el: h(
      'div',
      { class: 'page' },
      h('div', { class: 'page__head' }, h('div', {}, h('h1', { class: 'page__title', text: t('log.title') }), summary)),
      h('section', { class: 'card' }, form, error),
      h('section', { class: 'card card--flush card--scroll' }, h('table', { class: 'table', id: 'log-table' }, h('thead', {}, h('tr', {}, ...['log.col.time', 'log.col.operator', 'log.col.device', 'log.col.duration', 'log.col.bytes', 'log.col.reason', 'log.col.address'].map((k) => h('th', { scope: 'col', text: t(k) })))), tbody)),
    ),
  };
}
