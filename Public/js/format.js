// Dates, durations and sizes for tables, in the current language.

import { lang, t } from './i18n.js';

/** "just now", "5 min ago", … for a past ISO time; "—" when missing. */
export function relativeTime(iso, now = Date.now()) {
  if (!iso) return t('time.never');
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const format = new Intl.RelativeTimeFormat(lang(), { numeric: 'auto', style: 'short' });
  if (seconds < 10) return t('time.justNow');
  if (seconds < 60) return format.format(-seconds, 'second');
  if (seconds < 3600) return format.format(-Math.floor(seconds / 60), 'minute');
  if (seconds < 86400) return format.format(-Math.floor(seconds / 3600), 'hour');
  return format.format(-Math.floor(seconds / 86400), 'day');
}

/** A local date and time, e.g. 2026/11/28 14:03:05. */
export function dateTime(iso) {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(lang(), { dateStyle: 'short', timeStyle: 'medium' }).format(new Date(iso));
}

/** h:mm:ss between two ISO times. */
export function duration(fromIso, toIso) {
  if (!fromIso || !toIso) return '—';
  const total = Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** 1.2 MB style sizes. */
export function bytes(n) {
  if (!Number.isFinite(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}

/** Today as YYYY-MM-DD in local time, `daysAgo` days back. */
export function isoDay(daysAgo = 0) {
  const d = new Date(Date.now() - daysAgo * 86400000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
