// A toolbar button with a panel that opens below it; Escape or a click outside closes it.

import { h, icon } from '../dom.js';

/**
 * @param {{ id: string, label: string, iconName: string, panel: HTMLElement, onOpen?: () => void }} options
 */
export function Popover({ id, label, iconName, panel, onOpen }) {
  const button = h('button', { type: 'button', class: 'tool', id: `${id}-button`, 'aria-expanded': 'false', 'aria-controls': id, title: label, 'aria-label': label }, icon(iconName), h('span', { class: 'tool__label', text: label }));
  panel.id = id;
  panel.classList.add('popover');
  panel.hidden = true;
  const el = h('div', { class: 'popover-anchor' }, button, panel);

  const onDocument = (event) => {
    if (!el.contains(event.target)) close();
  };
  const onKey = (event) => {
    if (event.key === 'Escape') close();
  };
  function open() {
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    document.addEventListener('pointerdown', onDocument, true);
    document.addEventListener('keydown', onKey, true);
    onOpen?.();
  }
  function close() {
    panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', onDocument, true);
    document.removeEventListener('keydown', onKey, true);
  }
  button.addEventListener('click', () => (panel.hidden ? open() : close()));
  return { el, open, close, button };
}
