// The control plane's JSON API. The login cookie is HttpOnly; requests that change state
// carry the CSRF token that came with the login (kept in this tab's sessionStorage).

const csrfKey = 'tsunagu.csrf';

/** An error answer: `code` is the server's stable snake_case code. */
export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** Remembers (or forgets, with null) this tab's CSRF token. */
export function setCsrfToken(token) {
  if (token) sessionStorage.setItem(csrfKey, token);
  else sessionStorage.removeItem(csrfKey);
}

/** True when this tab holds a CSRF token, i.e. it logged in itself. */
export function hasCsrfToken() {
  return Boolean(sessionStorage.getItem(csrfKey));
}

/**
 * Calls the API. Resolves to the decoded JSON (null for 204); rejects with `ApiError`.
 * A lost login (`unauthenticated`, `csrf_token_invalid`) also fires `tsunagu:signed-out`.
 * @param {string} method
 * @param {string} path
 * @param {any} [body]
 */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const token = sessionStorage.getItem(csrfKey);
    if (token) headers['X-CSRF-Token'] = token;
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached.');
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const code = data?.error?.code ?? `http_${response.status}`;
    const message = data?.error?.message ?? response.statusText;
    const retry = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
    const error = new ApiError(response.status, code, message, Number.isFinite(retry) ? retry : null);
    if (code === 'unauthenticated' || code === 'csrf_token_invalid') {
      window.dispatchEvent(new CustomEvent('tsunagu:signed-out', { detail: { code } }));
    }
    throw error;
  }
  return data;
}

/** Like `api`, but a 404 resolves to null (for optional endpoints such as notices). */
export async function apiOptional(path) {
  try {
    return await api('GET', path);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}
