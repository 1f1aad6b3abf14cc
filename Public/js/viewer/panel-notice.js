// A notice inside one panel of the viewer (a channel closed, a terminal exited, …): a short
// message with its buttons, laid over the panel's top edge so what is underneath stays
// readable. The whole session's states use the viewer's overlay instead.

import { h, replace } from '../dom.js';

/**
 * @param {string} id the panel's id (the notice is `#<id>-notice`)
 */
export function PanelNotice(id) {
  const el = h('div', { class: 'panel-notice', id: `${id}-notice`, role: 'status', hidden: true });

  /**
   * Shows `text` with buttons.
   * @param {string} text
   * @param {{ id: string, label: string, onClick: () => void, primary?: boolean }[]} [actions]
   * @param {'info'|'error'} [kind]
   */
  function show(text, actions = [], kind = 'error') {
    el.hidden = false;
    el.dataset.kind = kind;
    replace(
      el,
      h('span', { class: 'panel-notice__text', id: `${id}-notice-text`, text }),
      actions.map((action) => h('button', { type: 'button', class: `button button--small${action.primary === false ? '' : ' button--primary'}`, id: action.id, text: action.label, onclick: action.onClick })),
    );
  }

  return {
    el,
    show,
    /** A spinner and `text`, while something is under way. */
    busy(text) {
      el.hidden = false;
      el.dataset.kind = 'busy';
      replace(el, h('span', { class: 'spinner spinner--small', 'aria-hidden': 'true' }), h('span', { class: 'panel-notice__text', id: `${id}-notice-text`, text }));
    },
    hide() {
      el.hidden = true;
      replace(el);
    },
  };
}
