// The remote screen: noVNC on the desktop channel's socket, with its tools (special keys,
// clipboard, touch keyboard, scale, view only, quality). The session viewer owns the
// session; this panel owns the RFB connection and tells the viewer when it connects or drops.

import { h, icon, replace } from '../dom.js';
import { t } from '../i18n.js';
import { probeFirstFrame } from './frame-probe.js';
import { KeysMenu } from './keys-menu.js';
import { ClipboardPanel } from './clipboard-panel.js';
import { TouchKeyboard } from './touch-keyboard.js';
import { PanelNotice } from './panel-notice.js';

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
 * The screen panel.
 * @param {{
 *   root: HTMLElement,
 *   fullscreenButton: HTMLElement,
 *   primary: boolean,
 *   ctx: import('./session-viewer.js').PanelContext,
 * }} options
 */
export function ScreenPanel({ root, fullscreenButton, primary, ctx }) {
  const settings = { scale: 'fit', quality: 'high', ...JSON.parse(localStorage.getItem(settingsKey) ?? '{}') };
  const saveSettings = () => localStorage.setItem(settingsKey, JSON.stringify({ scale: settings.scale, quality: settings.quality }));
  /** @type {any} */
  let rfb = null;
  let modules = null;
  let keys = null;
  let clipboard = null;
  let leaveChannel = null;
  /** True while we close the connection ourselves, so its end is not reported as a loss. */
  let closing = false;

  const screen = h('div', { class: 'viewer__screen', id: 'viewer-screen' });
  const notice = PanelNotice('screen');
  const el = h('section', { class: 'viewer__panel viewer__panel--screen', id: 'viewer-panel-screen', role: 'tabpanel', 'aria-labelledby': 'viewer-tab-screen' }, screen, notice.el);
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
  const scaleButton = toggle('viewer-scale', t('viewer.actualSize'), 'actual', (on) => {
    settings.scale = on ? 'actual' : 'fit';
    saveSettings();
    applyScale();
  });
  const viewOnlyButton = toggle('viewer-view-only', t('viewer.viewOnly'), 'eye', (on) => {
    if (rfb) rfb.viewOnly = on;
    root.classList.toggle('viewer--view-only', on);
  });
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
  const tools = h('div', { class: 'viewer__panel-tools', id: 'viewer-tools-screen' });

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

  /** Loads noVNC and builds the tools; rejects with a message when noVNC is missing. */
  async function prepare() {
    try {
      modules = await loadNoVNC();
    } catch {
      throw new Error(t('viewer.noNoVNC'));
    }
    if (!keys) {
      keys = KeysMenu({ keysym: modules.keysym, target });
      clipboard = ClipboardPanel({ target });
      const touch = TouchKeyboard({ target, keysym: modules.keysym, lookup: modules.lookup });
      replace(tools, keys.el, touch.el, clipboard.el, h('span', { class: 'tool-sep', 'aria-hidden': 'true' }), scaleButton, fullscreenButton, viewOnlyButton, h('label', { class: 'tool tool--select' }, icon('quality'), quality));
    }
  }

  /** Builds noVNC on the paired socket — synchronously, inside the relay's message handler. */
  function attach(socket, timing = { clicked: performance.now(), paired: performance.now() }) {
    closing = false;
    notice.hide();
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
      ctx.connected('screen');
      timing.connected = performance.now();
      probeFirstFrame(rfb, () => {
        timing.firstFrame = performance.now();
        root.dataset.firstFrameMs = String(Math.round(timing.firstFrame - timing.clicked));
        root.dataset.pairedMs = String(Math.round(timing.paired - timing.clicked));
        window.dispatchEvent(new CustomEvent('tsunagu:first-frame', { detail: { ...timing } }));
      });
      rfb.focus();
    });
    rfb.addEventListener('disconnect', () => {
      keys?.release?.();
      rfb = null;
      if (closing) return;
      if (primary) ctx.lost('screen');
      else notice.show(t('screen.closed'), [{ id: 'screen-reopen', label: t('panel.reopen'), onClick: () => open() }]);
    });
    rfb.addEventListener('clipboard', (event) => clipboard?.received(event.detail.text));
    rfb.addEventListener('credentialsrequired', () => {
      closing = true;
      rfb.disconnect();
      ctx.fatal(t('viewer.credentials'));
    });
    rfb.addEventListener('desktopname', (event) => {
      root.title = event.detail?.name ?? '';
    });
  }

  /** A desktop channel of its own (when the session started with another channel). */
  async function open() {
    if (rfb || leaveChannel) return;
    notice.busy(t('panel.opening'));
    try {
      await prepare();
    } catch (error) {
      notice.show(error.message, []);
      return;
    }
    leaveChannel = ctx.openChannel('desktop', {
      onPaired: (socket) => {
        leaveChannel = null;
        attach(socket);
      },
      onFailed: (message) => {
        leaveChannel = null;
        notice.show(message, [{ id: 'screen-reopen', label: t('panel.reopen'), onClick: () => open() }]);
      },
    });
  }

  function disconnect() {
    closing = true;
    leaveChannel?.();
    leaveChannel = null;
    try {
      rfb?.disconnect();
    } catch {
      // Already closed.
    }
    rfb = null;
  }

  return {
    id: 'screen',
    channel: 'desktop',
    el,
    tools,
    prepare,
    attach,
    /** Shown: a secondary panel opens its channel the first time. */
    activate() {
      // The full-screen button sits among the screen's tools, but other panels show it too.
      if (keys) scaleButton.after(fullscreenButton);
      if (!primary) open();
      rfb?.focus();
    },
    /** Covered by an overlay or another panel: close the pop-ups. */
    closePopups() {
      keys?.close();
      clipboard?.close();
    },
    /** Lets go of every held key (before the session ends). */
    release() {
      keys?.release?.();
    },
    /** True while the RFB connection is up (for the session clock). */
    get live() {
      return Boolean(rfb);
    },
    disconnect,
  };
}
