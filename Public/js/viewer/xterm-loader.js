// xterm.js, served by the server from its installed folder at `/xterm/` (one ES module that
// scripts/install-deps builds from Debian's node-xterm, and libjs-xterm's stylesheet).
// Loaded on first use only, so the console starts as fast without it.

let loading = null;

/** Resolves to xterm.js's `Terminal` class; rejects when the server has no xterm.js. */
export function loadXterm() {
  if (!loading) {
    if (!document.querySelector('link[data-xterm]')) {
      // A stylesheet link, not inline style: the console's CSP allows only 'self' styles.
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = '/xterm/xterm.css';
      link.dataset.xterm = '';
      document.head.append(link);
    }
    loading = import('/xterm/xterm.mjs').then((module) => module.Terminal ?? module.default);
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

/**
 * The columns and rows that fit `terminal` into its parent (what xterm's fit addon does, on
 * the 3.x renderer's measured cell size), or null before the first render.
 */
export function proposeGeometry(terminal) {
  const parent = terminal.element?.parentElement;
  const dims = terminal._core?.renderer?.dimensions;
  if (!parent || !dims?.actualCellWidth || !dims?.actualCellHeight) return null;
  const style = window.getComputedStyle(terminal.element);
  const padX = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
  const padY = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
  const scrollbar = terminal._core.viewport?.scrollBarWidth ?? 0;
  const columns = Math.floor((parent.clientWidth - padX - scrollbar) / dims.actualCellWidth);
  const rows = Math.floor((parent.clientHeight - padY) / dims.actualCellHeight);
  if (columns < 2 || rows < 1) return null;
  return { columns: Math.min(columns, 1000), rows: Math.min(rows, 500) };
}

/** The terminal's buffer as text lines (for copying out and for tests). */
export function bufferLines(terminal) {
  const buffer = terminal._core?.buffer;
  if (!buffer) return [];
  const lines = [];
  for (let y = 0; y < buffer.lines.length; y++) lines.push(buffer.translateBufferLineToString(y, true));
  return lines;
}
