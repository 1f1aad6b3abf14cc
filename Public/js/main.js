// The console's entry point: language, login state, routes.

import { initI18n, t } from './i18n.js';
import { Router } from './router.js';
import { restoreSession, currentOperator, isAdmin, forget } from './session.js';
import { LoginPage } from './components/login-page.js';
import { AppShell } from './components/app-shell.js';
import { DevicesPage } from './components/devices-page.js';
import { OperatorsPage } from './admin/operators-page.js';
import { DeviceAdminPage } from './admin/device-admin-page.js';
import { ConnectionLogPage } from './admin/connection-log-page.js';

const outlet = document.getElementById('app');
let shell = null;
let signedOutNotice = '';

const pages = {
  '/devices': () => DevicesPage(),
  '/log': () => ConnectionLogPage(),
  '/admin/operators': () => OperatorsPage(),
  '/admin/devices': () => DeviceAdminPage(),
};
const adminOnly = new Set(['/admin/operators', '/admin/devices']);

function resolve(path) {
  if (path === '/login' || !currentOperator()) {
    if (path !== '/login') {
      location.replace('#/login');
      return null;
    }
    shell = null;
    const notice = signedOutNotice;
    signedOutNotice = '';
    return { render: () => LoginPage({ notice, onLoggedIn: () => router.go('/devices') }), params: {} };
  }
  let page = pages[path];
  if (!page || (adminOnly.has(path) && !isAdmin())) {
    location.replace('#/devices');
    return null;
  }
  return {
    render: async () => {
      if (!shell) shell = AppShell({ onSignedOut: signOut });
      await shell.show(path, page);
      return { el: shell.el, unmount: () => shell?.leave() };
    },
    params: {},
  };
}

function signOut(notice = '') {
  forget();
  shell?.leave();
  shell = null;
  signedOutNotice = notice;
  router.go('/login');
}

const router = new Router(resolve, (el) => {
  if (outlet.firstChild !== el) outlet.replaceChildren(el);
});

window.addEventListener('tsunagu:lang', () => {
  shell?.leave();
  shell = null;
  router.render();
});

window.addEventListener('tsunagu:signed-out', () => {
  if (currentOperator()) signOut(t('login.expired'));
});

await initI18n();
await restoreSession();
router.render();
