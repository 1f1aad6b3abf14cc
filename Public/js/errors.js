// Turns API error codes and session end reasons into the operator's language.

import { t, has } from './i18n.js';
import { ApiError } from './api.js';

/**
 * A sentence for an error from `api()`: the translation of its code when we have one
 * (with the retry time where the server gave one), else the server's own message.
 * @param {unknown} error
 */
export function describeError(error) {
  if (error instanceof ApiError) {
    const key = `error.${error.code}`;
    if (has(key)) return t(key, { seconds: error.retryAfter ?? '?', wait: waitText(error.retryAfter) });
    return `${error.message} (${error.code})`;
  }
  return t('error.unexpected', { detail: String(error?.message ?? error) });
}

/** "in 42 seconds" / "in 3 minutes" in the current language. */
export function waitText(seconds) {
  if (seconds === null || seconds === undefined) return t('wait.later');
  if (seconds < 90) return t('wait.seconds', { n: seconds });
  return t('wait.minutes', { n: Math.ceil(seconds / 60) });
}

/** Why a session ended, for people (`declined`, `no_answer`, `ended_by_operator`, …). */
export function describeEndReason(reason) {
  const key = `end.${reason}`;
  return has(key) ? t(key) : t('end.other', { reason });
}
