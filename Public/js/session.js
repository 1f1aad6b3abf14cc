// Who is logged in, for this tab.

import { api, setCsrfToken, hasCsrfToken } from './api.js';

/** @type {{ id: string, login: string, role: 'admin'|'operator', company: string } | null} */
let me = null;

/** The logged-in operator, or null. */
export function currentOperator() {
  return me;
}

/** True when the operator is a tenant admin. */
export function isAdmin() {
  return me?.role === 'admin';
}

/** Asks the server who we are; null when this tab is not logged in. */
export async function restoreSession() {
  if (!hasCsrfToken()) return null;
  try {
    me = await api('GET', '/api/v1/auth/me');
  } catch {
    setCsrfToken(null);
    me = null;
  }
  return me;
}

/** Logs in through the form; the server sets the HttpOnly cookie. */
export async function logIn(company, login, password) {
  const answer = await api('POST', '/api/v1/auth/login', { company, login, password });
  setCsrfToken(answer.csrfToken);
  me = answer.operator;
  return me;
}

/** Ends the login on the server and forgets it here. */
export async function logOut() {
  try {
    await api('POST', '/api/v1/auth/logout');
  } finally {
    forget();
  }
}

/** Forgets the login in this tab (after the server said it is gone). */
export function forget() {
  setCsrfToken(null);
  me = null;
}
