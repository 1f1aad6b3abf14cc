// The remote screen: noVNC on the relay socket, a toolbar (special keys, clipboard, scale,
// full screen, view only, quality, end), and clear messages when the connection ends, with
// a reconnect button.

import { h, icon, replace } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { describeError, describeEndReason } from '../errors.js';
import { linkSession } from './session-link.js';
import { probeFirstFrame } from './frame-probe.js';
import { KeysMenu } from './keys-menu.js';
import { ClipboardPanel } from './clipboard-panel.js';
import { TouchKeyboard } from './touch-keyboard.js';

/** noVNC's modules, loaded once (the console still works without them, minus the viewer). */
let novnc = null;

/** Loads noVNC from `/novnc/`; rejects when the server has no noVNC. */
export async function loadNoVNC() {
  if (!novnc) {
    novnc = Promise.all([
      import('/novnc/core/rfb.js'),
      import('/novnc/core/input/keysym.js'),
      import('/novnc/core/input/keysymdef.js'),
    ]).then(([rfb, keysym, keysymdef]) => ({ RFB: rfb.default, keysym: keysym.default, lookup: keysymdef.default.lookup }));
    novnc.catch(() => {
      novnc = null;
    });
  }
  return novnc;
}

const qualities = {
  low: { quality: 2, compression: 6 },
  medium: { quality: 5, compression: 4 },
  high: { quality: 7, compression: 2 },
  best: { quality: 9, compression: 1 },
};
const settingsKey = 'tsunagu.viewer';

/**
 * A full-window viewer for one device. It stays hidden until the first connection pairs.
 * @param {{ device: string, password: string, onClose: () => void }} options
 */
export function SessionViewer({ device, password, onClose }) {
  const settings = { scale: 'fit', quality: 'high', ...JSON.parse(localStorage.getItem(settingsKey) ?? '{}') };
  const saveSettings = () => localStorage.setItem(settingsKey, JSON.stringify({ scale: settings.scale, quality: settings.quality }));
  /** @type {any} */
  let rfb = null;
  let session = null;
  let link = null;
  let endedByUs = false;
  let clock = null;
  let connectedAt = 0;
  let modules = null;

  const screen = h('div', { class: 'viewer__screen', id: 'viewer-screen' });
  const statusPill = h('span', { class: 'pill', id: 'viewer-status' });
  const timer = h('span', { class: 'viewer__timer muted' });
  const overlay = h('div', { class: 'viewer__overlay', id: 'viewer-overlay', hidden: true, role: 'alertdialog', 'aria-live': 'assertive' });
  const target = () => rfb;

  const toggle = (id, label, iconName, onChange) => {
    const button = h('button', { type: 'button', class: 'tool', id, 'aria-pressed': 'false', title: label, 'aria-label': label }, icon(iconName), h('span', { class: 'tool__label', text: label }));
    button.addEventListener('click', () => {
      const on = button.getAttribute('aria-pressed') !== 'true';
      button.setAttribute('aria-pressed', String(on));
      onChange(on);
    });
    return button;
  };

  const root = h('div', { class: 'viewer', id: 'viewer', hidden: true, 'aria-label': t('viewer.label', { device }) });
  const scaleButton = toggle('viewer-scale', t('viewer.actualSize'), 'actual', (on) => {
    settings.scale = on ? 'actual' : 'fit';
    saveSettings();
    applyScale();
  });
  const viewOnlyButton = toggle('viewer-view-only', t('viewer.viewOnly'), 'eye', (on) => {
    if (rfb) rfb.viewOnly = on;
    root.classList.toggle('viewer--view-only', on);
  });
  const fullscreenButton = h('button', { type: 'button', class: 'tool', id: 'viewer-fullscreen', title: t('viewer.fullscreen'), 'aria-label': t('viewer.fullscreen'), onclick: toggleFullscreen }, icon('fullscreen'), h('span', { class: 'tool__label', text: t('viewer.fullscreen') }));
  const quality = h(
    'select',
    { id: 'viewer-quality', class: 'tool-select', 'aria-label': t('viewer.quality'), title: t('viewer.quality') },
    Object.keys(qualities).map((key) => h('option', { value: key, text: t(`quality.${key}`) })),
  );
  quality.value = settings.quality in qualities ? settings.quality : 'high';
  quality.addEventListener('change', () => {
    settings.quality = quality.value;
    saveSettings();
    applyQuality();
  });
  const endButton = h('button', { type: 'button', class: 'tool tool--danger', id: 'viewer-end', title: t('viewer.end'), onclick: () => end() }, icon('power'), h('span', { class: 'tool__label tool__label--always', text: t('viewer.end') }));

  let keys = null;
  let clipboard = null;
  const toolbar = h('div', { class: 'viewer__tools', role: 'toolbar', 'aria-label': t('viewer.toolbar') });

  replace(
    root,
    h(
      'header',
      { class: 'viewer__bar' },
      h('div', { class: 'viewer__title' }, h('span', { class: 'brand__mark brand__mark--small', 'aria-hidden': 'true' }), h('strong', { class: 'viewer__device', text: device }), statusPill, timer),
      toolbar,
    ),
    h('div', { class: 'viewer__stage' }, screen, overlay),
  );

  function setStatus(kind, text) {
    statusPill.className = `pill pill--${kind}`;
    statusPill.textContent = text;
    root.dataset.state = kind;
  }

  function applyScale() {
    scaleButton.setAttribute('aria-pressed', String(settings.scale === 'actual'));
    root.classList.toggle('viewer--actual', settings.scale === 'actual');
    if (!rfb) return;
    rfb.scaleViewport = settings.scale !== 'actual';
    rfb.clipViewport = false;
  }

  function applyQuality() {
    if (!rfb) return;
    const q = qualities[settings.quality] ?? qualities.high;
    rfb.qualityLevel = q.quality;
    rfb.compressionLevel = q.compression;
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
    keys?.close();
    clipboard?.close();
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

  /** Builds noVNC on the paired socket — synchronously, inside the relay's message handler. */
  function attach(socket, created, timing) {
    session = created;
    endedByUs = false;
    const { RFB } = modules;
    replace(screen);
    rfb = new RFB(screen, socket, { shared: true });
    rfb.showDotCursor = true;
    rfb.focusOnClick = true;
    rfb.background = 'transparent';
    applyScale();
    applyQuality();
    rfb.viewOnly = viewOnlyButton.getAttribute('aria-pressed') === 'true';
    rfb.addEventListener('connect', () => {
      setStatus('connected', t('viewer.connected'));
      overlay.hidden = true;
      connectedAt = Date.now();
      root.dataset.session = created.sessionId;
      timing.connected = performance.now();
      probeFirstFrame(rfb, () => {
        timing.firstFrame = performance.now();
        root.dataset.firstFrameMs = String(Math.round(timing.firstFrame - timing.clicked));
        root.dataset.pairedMs = String(Math.round(timing.paired - timing.clicked));
        window.dispatchEvent(new CustomEvent('tsunagu:first-frame', { detail: { ...timing } }));
      });
      rfb.focus();
    });
    rfb.addEventListener('disconnect', (event) => disconnected(event.detail?.clean ?? false));
    rfb.addEventListener('clipboard', (event) => clipboard?.received(event.detail.text));
    rfb.addEventListener('credentialsrequired', () => {
      endedByUs = true;
      rfb.disconnect();
      showOverlay('error', t('viewer.credentials'), '', [closeButton()]);
    });
    rfb.addEventListener('desktopname', (event) => {
      root.title = event.detail?.name ?? '';
    });
  }

  async function disconnected(clean) {
    keys?.release?.();
    const sessionId = session?.sessionId;
    rfb = null;
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
    const lostReasons = new Set([null, undefined, 'error', 'relay_lost', 'idle_timeout', 'relay_shutdown', 'server_restart', 'operator_closed']);
    if (lostReasons.has(reason)) {
      showOverlay('error', t('viewer.lost'), t('viewer.lostDetail'), [reconnectButton(), closeButton()]);
    } else {
      showOverlay('error', t('viewer.ended'), describeEndReason(reason), [reconnectButton(), closeButton()]);
    }
    void clean;
  }

  /**
   * Connects (first time or again). `handlers` lets the connect dialog follow the first try.
   * @param {{ onWaiting?: (attended: boolean) => void, onPaired?: () => void, onFailed?: (message: string) => void }} [handlers]
   * @param {number} [clicked] when the operator asked, for timings
   */
  async function connect(handlers = {}, clicked = performance.now()) {
    const timing = { clicked };
    try {
      modules = await loadNoVNC();
    } catch {
      const message = t('viewer.noNoVNC');
      if (handlers.onFailed) handlers.onFailed(message);
      else showOverlay('error', message, '', [closeButton()]);
      return;
    }
    if (!keys) {
      keys = KeysMenu({ keysym: modules.keysym, target });
      clipboard = ClipboardPanel({ target });
      const touch = TouchKeyboard({ target, keysym: modules.keysym, lookup: modules.lookup });
      endButton.disabled = false;
      replace(toolbar, keys.el, touch.el, clipboard.el, h('span', { class: 'tool-sep', 'aria-hidden': 'true' }), scaleButton, fullscreenButton, viewOnlyButton, h('label', { class: 'tool tool--select' }, icon('quality'), quality), h('span', { class: 'tool-sep', 'aria-hidden': 'true' }), endButton);
    }
    setStatus('waiting', t('viewer.connecting'));
    link = linkSession(device, password, {
      onWaiting: (attended) => {
        const text = attended ? t('connect.waitingCustomer') : t('connect.connecting');
        setStatus('waiting', text);
        if (handlers.onWaiting) handlers.onWaiting(attended);
        else showOverlay('busy', text, attended ? t('connect.waitingCustomerDetail') : '', [h('button', { type: 'button', class: 'button', onclick: () => cancelAndClose(), text: t('common.cancel') })]);
      },
      onPaired: (socket, created) => {
        timing.paired = performance.now();
        attach(socket, created, timing);
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
    });
  }

  function reconnect() {
    showOverlay('busy', t('connect.connecting'), '', []);
    connect();
  }

  function startClock() {
    clearInterval(clock);
    clock = setInterval(() => {
      if (!rfb || !connectedAt) return;
      const s = Math.floor((Date.now() - connectedAt) / 1000);
      timer.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
    }, 1000);
  }

  /** Ends the session on the server and closes the viewer. */
  async function end() {
    endedByUs = true;
    keys?.release?.();
    endButton.disabled = true;
    const id = session?.sessionId;
    if (id) {
      // Ended on the server first, so the log says "ended by the operator"; the relay
      // then closes the socket itself.
      try {
        await api('DELETE', `/api/v1/sessions/${id}`);
      } catch {
        // Closing the socket below ends it anyway; the log gets a record either way.
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
    try {
      rfb?.disconnect();
    } catch {
      // Already closed.
    }
    rfb = null;
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
