// Small DOM helpers: elements are built with properties and text nodes, never from HTML
// strings, so names and messages from the server cannot inject markup.

/**
 * Creates an element. `attrs`: `class`, `text`, `on<event>` handlers, `dataset`, boolean
 * properties (`disabled`, `checked`, `hidden`) and any other attribute (never `style`).
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node|string|null|undefined|false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value') el.value = value;
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, ...children);
  return el;
}

/** Appends children, skipping empty ones and turning strings into text nodes. */
export function append(parent, ...children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return parent;
}

/** Replaces all children of `parent`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, ...children);
}

const svgNS = 'http://www.w3.org/2000/svg';

/** Path data of the console's icons (24×24, stroked). */
const icons = {
  keys: 'M3 7h18v10H3zM7 11h.01M11 11h.01M15 11h.01M8 14h8',
  keyboard: 'M2 6h20v12H2zM6 10h.01M10 10h.01M14 10h.01M18 10h.01M7 14h10',
  clipboard: 'M9 4h6v3H9zM7 5H5v16h14V5h-2M8 12h8M8 16h5',
  fit: 'M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5',
  actual: 'M5 5h14v14H5zM10 9v6M14 9v6',
  fullscreen: 'M8 3H3v5M16 3h5v5M8 21H3v-5M16 21h5v-5',
  eye: 'M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12zM12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z',
  quality: 'M4 20h4V10H4zM10 20h4V4h-4zM16 20h4v-7h-4z',
  end: 'M18 6 6 18M6 6l12 12',
  power: 'M12 3v9M6.3 6.3a8 8 0 1 0 11.4 0',
  search: 'M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14zM21 21l-5-5',
  refresh: 'M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7',
  copy: 'M9 9h11v11H9zM5 15H4V4h11v1',
  logout: 'M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10',
  monitor: 'M3 4h18v12H3zM8 20h8M12 16v4',
  folder: 'M3 6h7l2 2h9v11H3z',
  file: 'M6 3h8l4 4v14H6zM14 3v4h4',
  terminal: 'M3 5h18v14H3zM7 10l3 2-3 2M12 15h5',
  upload: 'M12 16V4M7 9l5-5 5 5M4 20h16',
  download: 'M12 4v12M7 11l5 5 5-5M4 20h16',
  up: 'M12 19V5M6 11l6-6 6 6',
};

/**
 * An SVG icon from the table above; decorative (`aria-hidden`).
 * @param {keyof typeof icons} name
 */
export function icon(name) {
  const svg = document.createElementNS(svgNS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(svgNS, 'path');
  path.setAttribute('d', icons[name] ?? '');
  svg.append(path);
  return svg;
}
