// The session viewer: one session with a device, shown full window. It owns the session's
// lifecycle (connect, watch, lost/ended messages with Reconnect, end), the title bar, the
// tabs and the toolbar; each channel is a panel of its own (screen, files, terminal; chat
// fits the same shape). The session starts with one channel (the "primary" panel); the other
// panels open their channels on first view through `POST /api/v1/sessions/{id}/channels`.

import { h, icon, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { describeError, describeEndReason } from '../errors.js';
import { linkSession } from './session-link.js';
import { openChannel } from './channel-link.js';
import { ScreenPanel, loadNoVNC } from './screen-panel.js';
import { FilesPanel } from './files-panel.js';
import { TerminalPanel } from './terminal-panel.js';

export { loadNoVNC };

/**
 * What a panel may ask of the viewer.
 * @typedef {{
 *   connected: (panel: string) => void,
 *   lost: (panel: string) => void,
 *   fatal: (message: string) => void,
 *   openChannel: (channel: string, handlers: { onPaired: (socket: WebSocket) => void, onFailed: (message: string) => void }) => () => void,
 *   sessionId: () => string|null,
 *   device: string,
 * }} PanelContext
 */

/** The panels by the channel a session starts with; the first is shown first. */
const panelOrder = { desktop: ['screen', 'files', 'terminal'], files: ['files', 'screen', 'terminal'], terminal: ['terminal', 'screen', 'files'] };
const tabIcons = { screen: 'monitor', files: 'folder', terminal: 'terminal' };
const lostReasons = new Set([null, undefined, 'error', 'relay_lost', 'idle_timeout', 'relay_shutdown', 'server_restart', 'operator_closed']);

/**
 * A full-window viewer for one device. It stays hidden until the first connection pairs.
 * @param {{ device: string, password: string, channel?: 'desktop'|'files'|'terminal', onClose: () => void }} options
 */
export function SessionViewer({ device, password, channel = 'desktop', onClose }) {
  let session = null;
  let link = null;
  let endedByUs = false;
  let clock = null;
  let connectedAt = 0;
  let active = null;

  const statusPill = h('span', { class: 'pill', id: 'viewer-status' });
  const timer = h('span', { class: 'viewer__timer muted' });
  const overlay = h('div', { class: 'viewer__overlay', id: 'viewer-overlay', hidden: true, role: 'alertdialog', 'aria-live': 'assertive' });
  const root = h('div', { class: 'viewer', id: 'viewer', hidden: true, 'aria-label': t('viewer.label', { device }) });
  root.dataset.channel = channel;
  const fullscreenButton = h('button', { type: 'button', class: 'tool', id: 'viewer-fullscreen', title: t('viewer.fullscreen'), 'aria-label': t('viewer.fullscreen'), onclick: toggleFullscreen }, icon('fullscreen'), h('span', { class: 'tool__label', text: t('viewer.fullscreen') }));
  const endButton = h('button', { type: 'button', class: 'tool tool--danger', id: 'viewer-end', title: t('viewer.end'), onclick: () => end() }, icon('power'), h('span', { class: 'tool__label tool__label--always', text: t('viewer.end') }));
  const toolbar = h('div', { class: 'viewer__tools', role: 'toolbar', 'aria-label': t('viewer.toolbar') });
  const tabs = h('div', { class: 'viewer__tabs', role: 'tablist', 'aria-label': t('viewer.panels') });
  const stage = h('div', { class: 'viewer__stage' });

  /** @type {PanelContext} */
  const ctx = {
    device,
    connected: (id) => {
      if (id !== primaryId) return;
      setStatus('connected', t('viewer.connected'));
      overlay.hidden = true;
      connectedAt = Date.now();
      root.dataset.session = session.sessionId;
    },
    lost: (id) => {
      if (id === primaryId) disconnected();
    },
    fatal: (message) => {
      endedByUs = true;
      showOverlay('error', message, '', [closeButton()]);
    },
    openChannel: (name, handlers) => {
      if (!session) {
        handlers.onFailed(t('panel.noSession'));
        return () => {};
      }
      return openChannel(session.sessionId, name, {
        onPaired: handlers.onPaired,
        onFailed: (failure) =>
          handlers.onFailed(failure.kind === 'api' ? describeError(failure.error) : failure.kind === 'ended' ? describeEndReason(failure.reason) : t('viewer.relayFailed', { code: failure.code })),
      });
    },
    sessionId: () => session?.sessionId ?? null,
  };

  const order = panelOrder[channel] ?? panelOrder.desktop;
  const primaryId = order[0];
  const panels = {
    screen: ScreenPanel({ root, fullscreenButton, primary: primaryId === 'screen', ctx }),
    files: FilesPanel({ primary: primaryId === 'files', ctx }),
    terminal: TerminalPanel({ primary: primaryId === 'terminal', ctx }),
  };
  const primary = panels[primaryId];
  const tabButtons = {};
  for (const id of order) {
    const panel = panels[id];
    panel.el.hidden = true;
    stage.append(panel.el);
    tabButtons[id] = h('button', { type: 'button', class: 'viewer__tab', role: 'tab', id: `viewer-tab-${id}`, 'aria-selected': 'false', 'aria-controls': panel.el.id, onclick: () => show(id) }, icon(tabIcons[id]), h('span', { class: 'tool__label', text: t(`viewer.tab.${id}`) }));
    tabs.append(tabButtons[id]);
  }
  stage.append(overlay);
  // Arrow keys move between the tabs, as in any tab list.
  tabs.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const at = order.indexOf(active);
    const next = order[(at + (event.key === 'ArrowRight' ? 1 : order.length - 1)) % order.length];
    event.preventDefault();
    show(next);
    tabButtons[next].focus();
  });

  replace(
    root,
    h(
      'header',
      { class: 'viewer__bar' },
      h('div', { class: 'viewer__title' }, h('span', { class: 'brand__mark brand__mark--small', 'aria-hidden': 'true' }), h('strong', { class: 'viewer__device', text: device }), statusPill, timer),
      tabs,
      toolbar,
    ),
    stage,
  );

  /** Shows panel `id`, its tools and tab. */
  function show(id) {
    if (active === id) return;
    if (active) {
      panels[active].closePopups?.();
      panels[active].el.hidden = true;
      panels[active].deactivate?.();
    }
    active = id;
    root.dataset.panel = id;
    for (const [key, button] of Object.entries(tabButtons)) button.setAttribute('aria-selected', String(key === id));
    panels[id].el.hidden = false;
    replace(toolbar, panels[id].tools, h('span', { class: 'tool-sep', 'aria-hidden': 'true' }), id === 'screen' ? null : fullscreenButton, endButton);
    panels[id].activate();
  }

  function setStatus(kind, text) {
    statusPill.className = `pill pill--${kind}`;
    statusPill.textContent = text;
    root.dataset.state = kind;
  }

  async function toggleFullscreen() {
    try {
      if (document.fullscreenElement) await document.exitFullscreen();
      else await root.requestFullscreen({ navigationUI: 'hide' });
    } catch {
      // Not allowed here (e.g. in some embedded browsers): the window stays as it is.
    }
  }
  const onFullscreen = () => fullscreenButton.setAttribute('aria-pressed', String(document.fullscreenElement === root));
  document.addEventListener('fullscreenchange', onFullscreen);

  function showOverlay(kind, title, detail, actions) {
    for (const panel of Object.values(panels)) panel.closePopups?.();
    overlay.hidden = false;
    overlay.dataset.kind = kind;
    replace(
      overlay,
      h(
        'div',
        { class: `overlay-card overlay-card--${kind}` },
        kind === 'busy' ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : null,
        h('h2', { class: 'overlay-card__title', id: 'viewer-overlay-title', text: title }),
        detail ? h('p', { class: 'overlay-card__detail', id: 'viewer-overlay-detail', text: detail }) : null,
        actions?.length ? h('div', { class: 'overlay-card__actions' }, actions) : null,
      ),
    );
    overlay.querySelector('button')?.focus();
  }

  const reconnectButton = () => h('button', { type: 'button', class: 'button button--primary', id: 'viewer-reconnect', onclick: () => reconnect(), text: t('viewer.reconnect') });
  const closeButton = () => h('button', { type: 'button', class: 'button', id: 'viewer-close', onclick: () => close(), text: t('viewer.backToDevices') });

  /** The primary channel dropped: learn why, say it, offer Reconnect. */
  async function disconnected() {
    const sessionId = session?.sessionId;
    if (endedByUs) return;
    setStatus('lost', t('viewer.disconnected'));
    showOverlay('busy', t('viewer.checking'), '', []);
    // Close our side on the server too (idempotent), then learn why it ended.
    let reason = null;
    if (sessionId) {
      for (let i = 0; i < 6 && !reason; i++) {
        try {
          const state = await api('GET', `/api/v1/sessions/${sessionId}`);
          if (state.status === 'ended') reason = state.endReason;
        } catch {
          break;
        }
        if (!reason) await new Promise((resolve) => setTimeout(resolve, 300));
      }
      if (!reason) api('DELETE', `/api/v1/sessions/${sessionId}`).catch(() => {});
    }
    // The other channels belong to the session that is over.
    for (const [id, panel] of Object.entries(panels)) if (id !== primaryId) panel.disconnect();
    if (lostReasons.has(reason)) {
      showOverlay('error', t('viewer.lost'), t('viewer.lostDetail'), [reconnectButton(), closeButton()]);
    } else {
      showOverlay('error', t('viewer.ended'), describeEndReason(reason), [reconnectButton(), closeButton()]);
    }
  }

  /**
   * Connects (first time or again). `handlers` lets the connect dialog follow the first try.
   * @param {{ onWaiting?: (attended: boolean) => void, onPaired?: () => void, onFailed?: (message: string) => void }} [handlers]
   * @param {number} [clicked] when the operator asked, for timings
   */
  async function connect(handlers = {}, clicked = performance.now()) {
    const timing = { clicked };
    try {
      await primary.prepare();
    } catch (error) {
      if (handlers.onFailed) handlers.onFailed(error.message);
      else showOverlay('error', error.message, '', [closeButton()]);
      return;
    }
    endButton.disabled = false;
    if (!active) show(primaryId);
    setStatus('waiting', t('viewer.connecting'));
    link = linkSession(
      device,
      password,
      {
        onWaiting: (attended) => {
          const text = attended ? t('connect.waitingCustomer') : t('connect.connecting');
          setStatus('waiting', text);
          if (handlers.onWaiting) handlers.onWaiting(attended);
          else showOverlay('busy', text, attended ? t('connect.waitingCustomerDetail') : '', [h('button', { type: 'button', class: 'button', onclick: () => cancelAndClose(), text: t('common.cancel') })]);
        },
        onPaired: (socket, created) => {
          timing.paired = performance.now();
          session = created;
          endedByUs = false;
          primary.attach(socket, timing);
          root.hidden = false;
          document.body.classList.add('has-viewer');
          startClock();
          handlers.onPaired?.();
        },
        onFailed: (failure) => {
          const message =
            failure.kind === 'api' ? describeError(failure.error) : failure.kind === 'ended' ? describeEndReason(failure.reason) : t('viewer.relayFailed', { code: failure.code });
          if (handlers.onFailed) handlers.onFailed(message);
          else {
            setStatus('lost', t('viewer.disconnected'));
            showOverlay('error', t('viewer.reconnectFailed'), message, [reconnectButton(), closeButton()]);
          }
        },
      },
      primary.channel,
    );
  }

  function reconnect() {
    showOverlay('busy', t('connect.connecting'), '', []);
    connect();
  }

  function startClock() {
    clearInterval(clock);
    clock = setInterval(() => {
      if (!primary.live || !connectedAt) return;
      const s = Math.floor((Date.now() - connectedAt) / 1000);
      timer.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
    }, 1000);
  }

  /** Ends the session on the server and closes the viewer. */
  async function end() {
    endedByUs = true;
    for (const panel of Object.values(panels)) panel.release?.();
    endButton.disabled = true;
    const id = session?.sessionId;
    if (id) {
      // Ended on the server first, so the log says "ended by the operator"; the relay
      // then closes the sockets itself.
      try {
        await api('DELETE', `/api/v1/sessions/${id}`);
      } catch {
        // Closing the sockets below ends it anyway; the log gets a record either way.
      }
    }
    close();
  }

  function cancelAndClose() {
    link?.cancel();
    close();
  }

  function close() {
    endedByUs = true;
    link?.cancel();
    for (const panel of Object.values(panels)) panel.disconnect();
    clearInterval(clock);
    document.removeEventListener('fullscreenchange', onFullscreen);
    window.removeEventListener('keydown', onKey, true);
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    document.body.classList.remove('has-viewer');
    root.remove();
    onClose();
  }

  // Ctrl+Alt+Shift+F toggles full screen without reaching the remote computer.
  const onKey = (event) => {
    if (event.ctrlKey && event.altKey && event.shiftKey && event.code === 'KeyF') {
      event.preventDefault();
      event.stopPropagation();
      toggleFullscreen();
    }
  };
  window.addEventListener('keydown', onKey, true);

  document.body.append(root);
  return {
    el: root,
    connect,
    /** Gives up a connection attempt that has not paired yet. */
    cancel: () => cancelAndClose(),
    end,
  };
}
