// The frame around the signed-in pages: brand, navigation, who is logged in, language,
// logout, and the outlet where pages render.

import { h, replace, icon } from '../dom.js';
import { t } from '../i18n.js';
import { currentOperator, isAdmin, logOut } from '../session.js';
import { LanguageSwitch } from './language-switch.js';

/**
 * @param {{ onSignedOut: (notice?: string) => void }} options
 */
export function AppShell({ onSignedOut }) {
  const me = currentOperator();
  const links = [
    ['/devices', t('nav.devices')],
    ['/log', t('nav.log')],
  ];
  if (isAdmin()) {
    links.push(['/admin/operators', t('nav.operators')], ['/admin/devices', t('nav.deviceAdmin')]);
  }
  const nav = h(
    'nav',
    { class: 'shell__nav', 'aria-label': t('nav.label') },
    links.map(([path, label]) => h('a', { href: `#${path}`, class: 'shell__link', dataset: { path }, text: label })),
  );
  const logout = h(
    'button',
    {
      type: 'button',
      class: 'button button--ghost shell__logout',
      onclick: async () => {
        try {
          await logOut();
        } finally {
          onSignedOut();
        }
      },
    },
    icon('logout'),
    h('span', { text: t('nav.logout') }),
  );
  const main = h('main', { class: 'shell__main', id: 'main' });
  const el = h(
    'div',
    { class: 'shell' },
    h(
      'header',
      { class: 'shell__header' },
      h('a', { class: 'brand', href: '#/devices' }, h('span', { class: 'brand__mark', 'aria-hidden': 'true' }), h('span', { class: 'brand__name', text: 'Tsunagu' }), h('span', { class: 'brand__kana', text: 'つなぐ' })),
      nav,
      h(
        'div',
        { class: 'shell__user' },
        LanguageSwitch(),
        h('span', { class: 'shell__who', title: t('nav.signedInAs') }, h('span', { class: 'shell__company', text: me.company }), h('span', { text: me.login })),
        logout,
      ),
    ),
    main,
  );

  let page = null;
  return {
    el,
    /** Shows the page for `path`, marking its link as current. */
    async show(path, factory) {
      for (const link of nav.querySelectorAll('a')) {
        if (link.dataset.path === path) link.setAttribute('aria-current', 'page');
        else link.removeAttribute('aria-current');
      }
      page?.unmount?.();
      page = await factory();
      replace(main, page.el);
      page.focus?.();
    },
    /** Unmounts the current page (stops its timers). */
    leave() {
      page?.unmount?.();
      page = null;
    },
  };
}
