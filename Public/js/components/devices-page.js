// The operator's home: the company's devices with live online/offline (polled every two
// seconds, rows updated in place), a search over name, OS, mode and host, and Connect.

import { h, replace, icon } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { describeError } from '../errors.js';
import { relativeTime, dateTime } from '../format.js';
import { NewsArea } from './news-area.js';
import { ConnectDialog } from './connect-dialog.js';

const pollInterval = 2000;

/** The devices page view. */
export function DevicesPage() {
  let devices = [];
  let timer = null;
  let stopped = false;
  let paused = false;
  const rows = new Map();

  const search = h('input', {
    type: 'search', id: 'device-search', class: 'search__input', placeholder: t('devices.search'),
    'aria-label': t('devices.search'), autocomplete: 'off', spellcheck: 'false',
    oninput: () => render(),
  });
  const onlineOnly = h('input', { type: 'checkbox', id: 'device-online-only', onchange: () => render() });
  const status = h('p', { class: 'devices__status', role: 'status' });
  const count = h('span', { class: 'devices__count' });
  const tbody = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true });
  const table = h(
    'table',
    { class: 'table devices__table', id: 'device-table' },
    h('thead', {}, h('tr', {}, ...['devices.col.state', 'devices.col.name', 'devices.col.os', 'devices.col.mode', 'devices.col.lastSeen', 'devices.col.action'].map((key) => h('th', { scope: 'col', text: t(key) })))),
    tbody,
  );

  function matches(device, query) {
    if (onlineOnly.checked && !device.online) return false;
    if (!query) return true;
    // Names match anywhere; OS and mode words match from their start ("attended" is not
    // "unattended").
    const names = [device.name, device.hostname].filter(Boolean).map((s) => s.toLowerCase());
    const words = [device.os, device.mode, t(`mode.${device.mode}`)].filter(Boolean).join(' ').toLowerCase().split(/[\s/()]+/);
    return query.split(/\s+/).every((word) => names.some((n) => n.includes(word)) || words.some((w) => w.startsWith(word)));
  }

  function rowFor(device) {
    let row = rows.get(device.name);
    if (!row) {
      const connect = h('button', { type: 'button', class: 'button button--primary button--small', dataset: { device: device.name }, onclick: () => openConnect(device.name) }, icon('monitor'), h('span', { text: t('devices.connect') }));
      // A files-only session: the customer's files without their screen.
      const files = h('button', { type: 'button', class: 'button button--small', dataset: { filesDevice: device.name }, title: t('devices.filesHint'), onclick: () => openConnect(device.name, 'files') }, icon('folder'), h('span', { text: t('devices.files') }));
      row = {
        tr: h('tr', { dataset: { device: device.name } }),
        state: h('span', { class: 'state' }),
        name: h('td', { class: 'devices__name' }),
        os: h('td'),
        mode: h('span', { class: 'badge' }),
        seen: h('td', { class: 'devices__seen' }),
        connect,
        files,
      };
      replace(row.tr, h('td', {}, row.state), row.name, row.os, h('td', {}, row.mode), row.seen, h('td', { class: 'table__action' }, h('span', { class: 'devices__actions' }, connect, files)));
      rows.set(device.name, row);
    }
    row.tr.dataset.online = String(device.online);
    row.state.className = `state state--${device.online ? 'online' : 'offline'}`;
    row.state.textContent = device.online ? t('devices.online') : t('devices.offline');
    replace(row.name, h('strong', { text: device.name }), device.hostname && device.hostname !== device.name ? h('span', { class: 'muted devices__host', text: device.hostname }) : null);
    row.os.textContent = device.os ?? '—';
    row.mode.className = `badge badge--${device.mode}`;
    row.mode.textContent = t(`mode.${device.mode}`);
    row.seen.textContent = device.online ? t('devices.now') : relativeTime(device.lastSeenAt);
    row.seen.title = dateTime(device.lastSeenAt);
    row.connect.disabled = !device.online;
    row.connect.title = device.online ? '' : t('devices.offlineHint');
    row.files.disabled = !device.online;
    row.files.title = device.online ? t('devices.filesHint') : t('devices.offlineHint');
    return row.tr;
  }

  function render() {
    const query = search.value.trim().toLowerCase();
    const shown = devices.filter((d) => matches(d, query));
    for (const name of [...rows.keys()]) {
      if (!devices.some((d) => d.name === name)) rows.delete(name);
    }
    const wanted = shown.map(rowFor);
    // Reorder only when needed so focus and hover survive the refresh.
    if (wanted.length !== tbody.children.length || wanted.some((tr, i) => tbody.children[i] !== tr)) {
      replace(tbody, wanted);
    }
    const online = devices.filter((d) => d.online).length;
    count.textContent = t('devices.count', { online, total: devices.length });
    empty.hidden = shown.length > 0;
    table.hidden = shown.length === 0;
    empty.textContent = devices.length === 0 ? t('devices.none') : t('devices.noMatch');
  }

  async function poll() {
    if (stopped) return;
    if (!paused && !document.hidden) {
      try {
        devices = await api('GET', '/api/v1/devices');
        status.textContent = '';
        status.classList.remove('devices__status--error');
        render();
      } catch (error) {
        status.textContent = t('devices.pollFailed', { reason: describeError(error) });
        status.classList.add('devices__status--error');
      }
    }
    if (!stopped) timer = setTimeout(poll, pollInterval);
  }

  function openConnect(name, channel = 'desktop') {
    paused = true;
    ConnectDialog({
      device: name,
      channel,
      mode: devices.find((d) => d.name === name)?.mode,
      onClosed: () => {
        paused = false;
      },
    });
  }

  const onVisible = () => {
    if (!document.hidden) {
      clearTimeout(timer);
      poll();
    }
  };
  document.addEventListener('visibilitychange', onVisible);
  poll();

  const el = h(
    'div',
    { class: 'page devices' },
    NewsArea(),
    h(
      'div',
      { class: 'page__head' },
      h('div', {}, h('h1', { class: 'page__title', text: t('devices.title') }), count),
      h(
        'div',
        { class: 'toolbar-row' },
        h('label', { class: 'search' }, icon('search'), search),
        h('label', { class: 'check', for: 'device-online-only' }, onlineOnly, h('span', { text: t('devices.onlineOnly') })),
      ),
    ),
    status,
    h('div', { class: 'card card--flush' }, table, empty),
  );
  return {
    el,
    focus: () => search.focus(),
    unmount: () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    },
  };
}
