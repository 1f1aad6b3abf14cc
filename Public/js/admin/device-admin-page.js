// Tenant admin: the company's devices (mode, rename, remove) and enrollment tokens.

import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { describeError } from '../errors.js';
import { relativeTime } from '../format.js';
import { ask } from '../components/confirm-dialog.js';
import { EnrollmentPanel } from './enrollment-panel.js';

/** The device administration page view. */
export function DeviceAdminPage() {
  const tbody = h('tbody');
  const notice = h('p', { class: 'notice', role: 'status', hidden: true });
  const empty = h('p', { class: 'empty', hidden: true, text: t('devices.none') });
  const say = (text, bad = false) => {
    notice.hidden = !text;
    notice.textContent = text;
    notice.classList.toggle('notice--error', bad);
  };

  async function load() {
    try {
      const devices = await api('GET', '/api/v1/devices');
      replace(tbody, devices.map(row));
      empty.hidden = devices.length > 0;
    } catch (error) {
      say(describeError(error), true);
    }
  }

  async function change(name, body, done) {
    try {
      const device = await api('PATCH', `/api/v1/devices/${encodeURIComponent(name)}`, body);
      say(done(device));
    } catch (error) {
      say(describeError(error), true);
    }
    load();
  }

  function row(device) {
    const mode = h('select', { class: 'select--small', 'aria-label': t('deviceAdmin.mode', { name: device.name }) }, h('option', { value: 'attended', text: t('mode.attended') }), h('option', { value: 'unattended', text: t('mode.unattended') }));
    mode.value = device.mode;
    mode.addEventListener('change', () => change(device.name, { mode: mode.value }, (d) => t('deviceAdmin.modeChanged', { name: d.name, mode: t(`mode.${d.mode}`) })));
    const rename = h('button', {
      type: 'button', class: 'button button--small', text: t('deviceAdmin.rename'),
      onclick: async () => {
        const next = await ask({ title: t('deviceAdmin.renameTitle', { name: device.name }), text: t('deviceAdmin.renameText'), confirm: t('deviceAdmin.rename'), input: { label: t('deviceAdmin.newName'), value: device.name } });
        if (typeof next === 'string' && next.trim() && next.trim() !== device.name) {
          change(device.name, { name: next.trim() }, (d) => t('deviceAdmin.renamed', { from: device.name, to: d.name }));
        }
      },
    });
    const remove = h('button', {
      type: 'button', class: 'button button--small button--danger-ghost', text: t('deviceAdmin.remove'),
      onclick: async () => {
        const ok = await ask({ title: t('deviceAdmin.removeTitle', { name: device.name }), text: t('deviceAdmin.removeText'), confirm: t('deviceAdmin.remove'), danger: true });
        if (!ok) return;
        try {
          await api('DELETE', `/api/v1/devices/${encodeURIComponent(device.name)}`);
          say(t('deviceAdmin.removed', { name: device.name }));
        } catch (error) {
          say(describeError(error), true);
        }
        load();
      },
    });
    return h(
      'tr',
      { dataset: { device: device.name } },
      h('td', {}, h('span', { class: `state state--${device.online ? 'online' : 'offline'}`, text: device.online ? t('devices.online') : t('devices.offline') })),
      h('td', {}, h('strong', { text: device.name })),
      h('td', { text: device.os ?? '—' }),
      h('td', {}, mode),
      h('td', { text: device.online ? t('devices.now') : relativeTime(device.lastSeenAt) }),
      h('td', { class: 'table__action' }, h('div', { class: 'button-row' }, rename, remove)),
    );
  }

  load();
  return {
    el: h(
      'div',
      { class: 'page' },
      h('div', { class: 'page__head' }, h('h1', { class: 'page__title', text: t('deviceAdmin.title') })),
      notice,
      h('section', { class: 'card card--flush' }, h('table', { class: 'table', id: 'device-admin-table' }, h('thead', {}, h('tr', {}, ...['devices.col.state', 'devices.col.name', 'devices.col.os', 'devices.col.mode', 'devices.col.lastSeen', 'devices.col.action'].map((k) => h('th', { scope: 'col', text: t(k) })))), tbody), empty),
      EnrollmentPanel(),
    ),
  };
}
