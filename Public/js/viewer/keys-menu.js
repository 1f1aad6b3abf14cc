// Special keys a browser cannot send itself (Ctrl+Alt+Del, Alt+Tab, the Windows key…) and
// sticky modifiers for touch screens.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { Popover } from './popover.js';

/**
 * @param {{ keysym: Record<string, number>, target: () => any }} options `target()` is the
 *   current noVNC RFB (or null).
 */
export function KeysMenu({ keysym: K, target }) {
  const press = (...keys) => {
    const rfb = target();
    if (!rfb) return;
    for (const [sym, code] of keys) rfb.sendKey(sym, code, true);
    for (const [sym, code] of [...keys].reverse()) rfb.sendKey(sym, code, false);
    rfb.focus();
  };
  const ctrl = [K.XK_Control_L, 'ControlLeft'];
  const alt = [K.XK_Alt_L, 'AltLeft'];
  const shift = [K.XK_Shift_L, 'ShiftLeft'];
  const combos = [
    ['keys.ctrlAltDel', () => target()?.sendCtrlAltDel(), 'keys-cad'],
    ['keys.altTab', () => press(alt, [K.XK_Tab, 'Tab'])],
    ['keys.altF4', () => press(alt, [K.XK_F4, 'F4'])],
    ['keys.ctrlEsc', () => press(ctrl, [K.XK_Escape, 'Escape'])],
    ['keys.super', () => press([K.XK_Super_L, 'MetaLeft'])],
    ['keys.esc', () => press([K.XK_Escape, 'Escape'])],
    ['keys.tab', () => press([K.XK_Tab, 'Tab'])],
    ['keys.printScreen', () => press([K.XK_Print, 'PrintScreen'])],
    ['keys.ctrlAltBackspace', () => press(ctrl, alt, [K.XK_BackSpace, 'Backspace'])],
  ];
  const held = new Map();
  const sticky = (label, key) => {
    const button = h('button', { type: 'button', class: 'chip', 'aria-pressed': 'false', text: label });
    button.addEventListener('click', () => {
      const rfb = target();
      if (!rfb) return;
      const down = !held.get(label);
      held.set(label, down);
      rfb.sendKey(key[0], key[1], down);
      button.setAttribute('aria-pressed', String(down));
    });
    return button;
  };
  const fkeys = Array.from({ length: 12 }, (_, i) =>
    h('button', { type: 'button', class: 'chip chip--small', text: `F${i + 1}`, onclick: () => press([K[`XK_F${i + 1}`], `F${i + 1}`]) }),
  );
  const panel = h(
    'div',
    { class: 'menu' },
    h('div', { class: 'menu__list' }, combos.map(([key, run, id]) => h('button', { type: 'button', class: 'menu__item', id, onclick: () => { run(); popover.close(); }, text: t(key) }))),
    h('p', { class: 'menu__label', text: t('keys.sticky') }),
    h('div', { class: 'chips' }, sticky('Ctrl', ctrl), sticky('Alt', alt), sticky('Shift', shift)),
    h('p', { class: 'menu__label', text: t('keys.function') }),
    h('div', { class: 'chips chips--grid' }, fkeys),
  );
  const popover = Popover({ id: 'keys-menu', label: t('viewer.keys'), iconName: 'keys', panel });
  return {
    el: popover.el,
    close: () => popover.close(),
    /** Lets go of sticky modifiers (before disconnecting). */
    release() {
      const rfb = target();
      for (const [label, down] of held) {
        if (down && rfb) {
          const key = label === 'Ctrl' ? ctrl : label === 'Alt' ? alt : shift;
          rfb.sendKey(key[0], key[1], false);
        }
      }
      held.clear();
      for (const chip of panel.querySelectorAll('.chip[aria-pressed]')) chip.setAttribute('aria-pressed', 'false');
    },
  };
}

