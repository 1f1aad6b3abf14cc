// One attempt to reach a device: ask the server for a session, meet the agent at the
// relay, and watch the session so a customer's refusal shows at once.

import { api } from '../api.js';
import { joinRelay } from './relay-socket.js';

const watchInterval = 1000;

/**
 * @typedef {{
 *   onCreated?: (created: any) => void,
 *   onWaiting?: (attended: boolean) => void,
 *   onPaired: (socket: WebSocket, created: any) => void,
 *   onFailed: (failure: { kind: 'api'|'ended'|'relay', error?: any, reason?: string, code?: string }) => void,
 * }} LinkHandlers
 */

/**
 * Starts a session with `device` whose first channel is `channel` (`desktop`, `files`, …).
 * Returns `{ cancel }`; cancelling ends the session.
 * @param {string} device
 * @param {string} password
 * @param {LinkHandlers} handlers
 * @param {string} [channel]
 */
export function linkSession(device, password, handlers, channel = 'desktop') {
  let done = false;
  let created = null;
  let leaveRelay = () => {};
  let watchTimer = null;

  const finish = () => {
    done = true;
    clearTimeout(watchTimer);
  };

  const watch = async () => {
    if (done || !created) return;
    try {
      const state = await api('GET', `/api/v1/sessions/${created.sessionId}`);
      if (done) return;
      if (state.status === 'ended') {
        finish();
        leaveRelay();
        handlers.onFailed({ kind: 'ended', reason: state.endReason ?? 'ended' });
        return;
      }
    } catch {
      // A passing network error: the relay socket decides.
    }
    if (!done) watchTimer = setTimeout(watch, watchInterval);
  };

  (async () => {
    try {
      created = await api('POST', '/api/v1/sessions', { device, password, channel });
    } catch (error) {
      finish();
      handlers.onFailed({ kind: 'api', error });
      return;
    }
    if (done) {
      api('DELETE', `/api/v1/sessions/${created.sessionId}`).catch(() => {});
      return;
    }
    handlers.onCreated?.(created);
    handlers.onWaiting?.(created.attended);
    leaveRelay = joinRelay(created.relayUrl, created.ticket, {
      onPaired: (socket) => {
        finish();
        handlers.onPaired(socket, created);
      },
      onRefused: async (code) => {
        if (done) return;
        const reason = await endReason(created.sessionId);
        if (done) return;
        finish();
        handlers.onFailed(reason ? { kind: 'ended', reason } : { kind: 'relay', code });
      },
      onClosed: async () => {
        if (done) return;
        const reason = await endReason(created.sessionId);
        if (done) return;
        finish();
        handlers.onFailed(reason ? { kind: 'ended', reason } : { kind: 'relay', code: 'relay_closed' });
      },
    });
    watchTimer = setTimeout(watch, watchInterval);
  })();

  return {
    cancel() {
      if (done) return;
      finish();
      leaveRelay();
      if (created) api('DELETE', `/api/v1/sessions/${created.sessionId}`).catch(() => {});
    },
  };
}

/** The end reason of a session that is over, else null. */
async function endReason(sessionId) {
  try {
    const state = await api('GET', `/api/v1/sessions/${sessionId}`);
    return state.status === 'ended' ? state.endReason ?? 'ended' : null;
  } catch {
    return null;
  }
}
