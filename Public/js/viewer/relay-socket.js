// Joins the relay: opens the WebSocket, shows the ticket as the first text frame, and when
// the relay says the pair is complete hands the open socket over *synchronously*, in the
// same message handler, so that no RFB byte arrives before noVNC listens.

/**
 * @typedef {{
 *   onWaiting?: () => void,
 *   onPaired: (socket: WebSocket) => void,
 *   onRefused: (code: string, message: string) => void,
 *   onClosed: (code: number) => void,
 * }} RelayHandlers
 */

/**
 * Dials `relayUrl` with `ticket`. Returns a function that abandons the attempt.
 * @param {string} relayUrl
 * @param {string} ticket
 * @param {RelayHandlers} handlers
 */
export function joinRelay(relayUrl, ticket, handlers) {
  let settled = false;
  const socket = new WebSocket(relayUrl);
  socket.binaryType = 'arraybuffer';
  socket.onopen = () => socket.send(ticket);
  socket.onmessage = (event) => {
    if (typeof event.data !== 'string') {
      // Payload before "paired" would be a relay bug: refuse rather than lose bytes.
      settled = true;
      socket.close();
      handlers.onRefused('unexpected_payload', 'The relay sent data before pairing.');
      return;
    }
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      message = {};
    }
    if (message.status === 'waiting') {
      handlers.onWaiting?.();
    } else if (message.status === 'paired') {
      settled = true;
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = null;
      handlers.onPaired(socket);
    } else if (message.error) {
      settled = true;
      handlers.onRefused(message.error.code ?? 'relay_error', message.error.message ?? '');
    }
  };
  socket.onerror = () => {};
  socket.onclose = (event) => {
    if (!settled) {
      settled = true;
      handlers.onClosed(event.code);
    }
  };
  return () => {
    if (!settled) {
      settled = true;
      socket.close();
    }
  };
}
