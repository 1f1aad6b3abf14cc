// Another channel of a live session: the server mints a ticket for it without a second
// password (`POST /api/v1/sessions/{id}/channels`), and we meet the agent at the relay.
// While the relay waits for the agent, the channel's state is watched on the server, so an
// agent that refuses the channel (e.g. it has no terminal) is said at once, not after the
// relay gives up.

import { api } from '../api.js';
import { joinRelay } from './relay-socket.js';

const watchInterval = 1000;
const notStartedRetries = 20;
const notStartedDelay = 500;

/**
 * Opens `channel` of session `sessionId`. `onPaired` receives the open socket
 * synchronously inside the relay's message handler, so no payload byte can be missed.
 * Returns a function that abandons the attempt.
 * @param {string} sessionId
 * @param {string} channel
 * @param {{ onPaired: (socket: WebSocket) => void, onFailed: (failure: { kind: 'api'|'relay'|'ended', error?: any, code?: string, reason?: string }) => void }} handlers
 */
export function openChannel(sessionId, channel, handlers) {
  let settled = false;
  let leave = () => {};
  let timer = null;
  const settle = () => {
    settled = true;
    clearTimeout(timer);
  };
  const fail = (failure) => {
    if (settled) return;
    settle();
    leave();
    handlers.onFailed(failure);
  };
  (async () => {
    let granted;
    // Right after pairing the server may not have recorded the session's start yet (the
    // relay reports it a moment later): ask again for a few seconds before giving up.
    for (let tries = 0; !granted; tries++) {
      try {
        granted = await api('POST', `/api/v1/sessions/${sessionId}/channels`, { channel });
      } catch (error) {
        if (error.code !== 'session_not_started' || tries >= notStartedRetries || settled) {
          fail({ kind: 'api', error });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, notStartedDelay));
      }
    }
    if (settled) return;
    const watch = async () => {
      try {
        const state = await api('GET', `/api/v1/sessions/${sessionId}`);
        const mine = state.channels?.find((c) => c.channelId === granted.channelId);
        if (state.status === 'ended') fail({ kind: 'ended', reason: state.endReason ?? 'ended' });
        else if (mine?.status === 'ended') fail({ kind: 'ended', reason: mine.endReason ?? 'ended' });
      } catch {
        // A passing network error: the relay socket decides.
      }
      if (!settled) timer = setTimeout(watch, watchInterval);
    };
    leave = joinRelay(granted.relayUrl, granted.ticket, {
      onPaired: (socket) => {
        if (settled) {
          socket.close();
          return;
        }
        settle();
        handlers.onPaired(socket);
      },
      onRefused: (code) => fail({ kind: 'relay', code }),
      onClosed: () => fail({ kind: 'relay', code: 'relay_closed' }),
    });
    timer = setTimeout(watch, watchInterval);
  })();
  return () => {
    settle();
    leave();
  };
}
