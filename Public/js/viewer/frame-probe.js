// Diagnostics: notes when noVNC finishes drawing its first framebuffer update (the first
// full frame, since the first request covers the whole screen). noVNC has no event for
// this, so the probe wraps its display's `flip` once; if noVNC's insides differ, it does
// nothing.

/**
 * Calls `onFirstFrame()` after the first complete framebuffer update of `rfb`.
 * @param {any} rfb a connected noVNC RFB
 * @param {() => void} onFirstFrame
 */
export function probeFirstFrame(rfb, onFirstFrame) {
  const display = rfb?._display;
  if (!display || typeof display.flip !== 'function') return;
  const flip = display.flip;
  display.flip = function (...args) {
    const result = flip.apply(this, args);
    display.flip = flip;
    onFirstFrame();
    return result;
  };
}
