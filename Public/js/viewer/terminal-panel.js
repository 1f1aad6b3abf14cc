// A shell on the remote computer: xterm.js on the session's terminal channel. The terminal
// outlives a dropped connection on the agent for a while, so when the socket drops we ask
// for a new ticket and attach again with the terminal's token; the screen is redrawn from
// the agent's replay. The process's exit status is shown when it ends.

import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { loadXterm, proposeGeometry, bufferLines } from './xterm-loader.js';
import { PanelNotice } from './panel-notice.js';
import { TerminalDecoder, encodeOpen, encodeAttach, encodeInput, encodeResize } from '../codec/terminal-codec.js';

/** Reattach tries after a drop, and the waits between them (ms). */
const reattachDelays = [0, 500, 1000, 2000, 4000, 8000];

/**
 * @param {{ primary: boolean, ctx: import('./session-viewer.js').PanelContext }} options
 */
export function TerminalPanel({ primary, ctx }) {
  /** @type {any} xterm.js Terminal */
  let term = null;
  let socket = null;
  let decoder = null;
  /** The terminal's token once `opened` came: what a reattach names. */
  let token = null;
  /** Decodes output as UTF-8 across frame boundaries (a character may be split). */
  let text = new TextDecoder();
  let leaveChannel = null;
  let attempt = 0;
  let retryTimer = null;
  let closing = false;
  let size = { columns: 80, rows: 24 };

  const screen = h('div', { class: 'terminal__screen', id: 'terminal-screen' });
  const notice = PanelNotice('terminal');
  const el = h('section', { class: 'viewer__panel viewer__panel--terminal', id: 'viewer-panel-terminal', role: 'tabpanel', 'aria-labelledby': 'viewer-tab-terminal' }, screen, notice.el);
  const state = (value) => {
    el.dataset.state = value;
  };
  state('idle');
  const newButton = h('button', { type: 'button', class: 'tool', id: 'terminal-new', title: t('terminal.new'), onclick: () => restart() }, icon('terminal'), h('span', { class: 'tool__label', text: t('terminal.new') }));
  const tools = h('div', { class: 'viewer__panel-tools', id: 'viewer-tools-terminal' }, newButton);

  // Test hooks: the buffer's text, and a dropped connection (the path a network loss takes).
  el.readTerminal = () => (term ? bufferLines(term) : []);
  el.dropConnection = () => socket?.close();
  el.terminalSize = () => (term ? { columns: term.cols, rows: term.rows } : null);

  /** Loads xterm.js and opens the emulator in the panel (once). */
  async function prepare() {
    if (term) return;
    let Terminal;
    try {
      Terminal = await loadXterm();
    } catch {
      throw new Error(t('terminal.noXterm'));
    }
    if (term) return;
    term = new Terminal({
      cols: size.columns,
      rows: size.rows,
      cursorBlink: true,
      fontSize: 14,
      fontFamily: '"DejaVu Sans Mono", "Noto Sans Mono CJK JP", "Noto Sans Mono", monospace',
      scrollback: 5000,
      theme: { background: '#0b1620', foreground: '#e6eef5', cursor: '#8fd3ff' },
    });
    term.open(screen);
    term.on('data', (data) => send(encodeInput(data)));
    term.on('resize', ({ cols, rows }) => {
      size = { columns: cols, rows };
      if (socket && token) send([encodeResize(cols, rows)]);
    });
    // The panel follows the window: refit whenever its box changes.
    new ResizeObserver(() => requestAnimationFrame(fit)).observe(screen);
  }

  function fit() {
    if (!term || el.hidden) return;
    const geometry = proposeGeometry(term);
    if (geometry && (geometry.columns !== term.cols || geometry.rows !== term.rows)) term.resize(geometry.columns, geometry.rows);
    size = { columns: term.cols, rows: term.rows };
  }

  function send(frames) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    for (const frame of frames) socket.send(frame);
  }

  /** Takes over a paired socket: `attach` when we hold a token, else `open`. */
  function attach(paired) {
    socket = paired;
    closing = false;
    decoder = new TerminalDecoder();
    text = new TextDecoder();
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (event) => receive(event.data);
    socket.onclose = () => dropped();
    socket.onerror = () => {};
    fit();
    state(token ? 'attaching' : 'opening');
    // No variables: the agent gives the shell the customer's own LANG, TERM=xterm-256color.
    send([token ? encodeAttach(token) : encodeOpen({ columns: size.columns, rows: size.rows })]);
  }

  function receive(data) {
    if (typeof data === 'string') return;
    let messages;
    try {
      messages = decoder.push(data);
    } catch (error) {
      // A broken stream cannot be resynchronised: close; the token still names the terminal.
      console.warn('terminal: bad frame', error);
      socket?.close();
      return;
    }
    for (const message of messages) handle(message);
  }

  function handle(message) {
    switch (message.type) {
      case 'opened':
        if (token) term.reset();
        token = message.token;
        attempt = 0;
        notice.hide();
        state('open');
        // How many times a connection attached (a reattach counts): what tests wait on.
        el.dataset.attaches = String(Number(el.dataset.attaches || 0) + 1);
        delete el.dataset.exitCode;
        if (primary) ctx.connected('terminal');
        if (message.replay.length) term.write(text.decode(message.replay, { stream: true }));
        // The size may have changed while we were away.
        send([encodeResize(term.cols, term.rows)]);
        if (!el.hidden) term.focus();
        break;
      case 'output':
        term.write(text.decode(message.data, { stream: true }));
        break;
      case 'exited':
        token = null;
        closing = true;
        el.dataset.exitCode = String(message.code);
        state('exited');
        notice.show(message.signaled ? t('terminal.signaled', { signal: message.signal }) : t('terminal.exited', { code: message.code }), [{ id: 'terminal-restart', label: t('terminal.new'), onClick: () => restart() }], message.code === 0 ? 'info' : 'error');
        socket?.close();
        break;
      case 'failure':
        closing = true;
        failed(message.code, message.message);
        socket?.close();
        break;
      default:
        break;
    }
  }

  function failed(code, detail) {
    state('failed');
    el.dataset.failure = code;
    const known = ['terminal_disabled', 'not_found', 'spawn_failed', 'taken_over', 'unsupported_version'];
    const text = known.includes(code) ? t(`terminal.failure.${code}`) : t('terminal.failure.other', { detail });
    if (code === 'taken_over') {
      notice.show(text, [{ id: 'terminal-take-back', label: t('terminal.takeBack'), onClick: () => reopen() }]);
      return;
    }
    token = null;
    notice.show(text, [{ id: 'terminal-restart', label: t('terminal.new'), onClick: () => restart() }]);
  }

  /** The socket closed. Unless we meant it (or the program ended), attach again. */
  function dropped() {
    socket = null;
    if (closing) return;
    if (primary && !token) {
      ctx.lost('terminal');
      return;
    }
    if (!token) {
      state('failed');
      notice.show(t('terminal.closed'), [{ id: 'terminal-restart', label: t('terminal.new'), onClick: () => restart() }]);
      return;
    }
    scheduleReattach();
  }

  function scheduleReattach() {
    if (attempt >= reattachDelays.length) {
      state('lost');
      notice.show(t('terminal.reattachFailed'), [{ id: 'terminal-reattach', label: t('terminal.reattach'), onClick: () => reopen() }]);
      return;
    }
    state('reattaching');
    notice.busy(t('terminal.reattaching'));
    const delay = reattachDelays[attempt++];
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      leaveChannel = ctx.openChannel('terminal', {
        onPaired: (paired) => {
          leaveChannel = null;
          attach(paired);
        },
        onFailed: () => {
          leaveChannel = null;
          scheduleReattach();
        },
      });
    }, delay);
  }

  /** A channel of our own: the first time the tab is shown, or on the operator's request. */
  async function open() {
    if (socket || leaveChannel) return;
    state('connecting');
    notice.busy(token ? t('terminal.reattaching') : t('terminal.starting'));
    try {
      await prepare();
    } catch (error) {
      state('failed');
      notice.show(error.message, []);
      return;
    }
    leaveChannel = ctx.openChannel('terminal', {
      onPaired: (paired) => {
        leaveChannel = null;
        attach(paired);
      },
      onFailed: (message) => {
        leaveChannel = null;
        state('failed');
        notice.show(message, [{ id: 'terminal-retry', label: t('panel.reopen'), onClick: () => open() }]);
      },
    });
  }

  function reopen() {
    attempt = 0;
    closeSocket();
    open();
  }

  /** A fresh terminal: the old one (if any) is left to end on the agent. */
  function restart() {
    token = null;
    attempt = 0;
    closeSocket();
    term?.reset();
    open();
  }

  function closeSocket() {
    clearTimeout(retryTimer);
    leaveChannel?.();
    leaveChannel = null;
    if (socket) {
      closing = true;
      socket.onclose = null;
      socket.close();
      socket = null;
    }
  }

  return {
    id: 'terminal',
    channel: 'terminal',
    el,
    tools,
    prepare,
    attach,
    activate() {
      requestAnimationFrame(fit);
      if (!primary && !socket && !leaveChannel && el.dataset.state === 'idle') open();
      term?.focus();
    },
    get live() {
      return Boolean(socket);
    },
    disconnect() {
      token = null;
      closeSocket();
      notice.hide();
      state('idle');
    },
  };
}
