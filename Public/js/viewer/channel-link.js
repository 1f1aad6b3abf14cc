// Another channel of a live session: the server mints a ticket for it without a second
// password (`POST /api/v1/sessions/{id}/channels`), and we meet the agent at the relay.

import { api } from '../api.js';
import { joinRelay } from './relay-socket.js';

/**
 * Opens `channel` of session `sessionId`. `onPaired` receives the open socket
 * synchronously inside the relay's message handler, so no payload byte can be missed.
 * Returns a function that abandons the attempt.
 * @param {string} sessionId
 * @param {string} channel
 * @param {{ onPaired: (socket: WebSocket) => void, onFailed: (failure: { kind: 'api'|'relay', error?: any, code?: string }) => void }} handlers
 */
export function openChannel(sessionId, channel, handlers) {
  let abandoned = false;
  let leave = () => {};
  (async () => {
    let granted;
    try {
      granted = await api('POST', `/api/v1/sessions/${sessionId}/channels`, { channel });
    } catch (error) {
      if (!abandoned) handlers.onFailed({ kind: 'api', error });
      return;
    }
    if (abandoned) return;
    leave = joinRelay(granted.relayUrl, granted.ticket, {
      onPaired: (socket) => {
        if (abandoned) socket.close();
        else handlers.onPaired(socket);
      },
      onRefused: (code) => {
        if (!abandoned) handlers.onFailed({ kind: 'relay', code });
      },
      onClosed: () => {
        if (!abandoned) handlers.onFailed({ kind: 'relay', code: 'relay_closed' });
      },
    });
  })();
  return () => {
    abandoned = true;
    leave();
  };
}
