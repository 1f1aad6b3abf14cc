// Japanese and English: the browser's language at first, then the operator's choice,
// remembered in localStorage.

const storageKey = 'tsunagu.lang';
const supported = ['ja', 'en'];
let current = 'en';
let messages = {};
let fallback = {};

/** The language to start with: the remembered choice, else the browser's. */
function initialLanguage() {
  const saved = localStorage.getItem(storageKey);
  if (supported.includes(saved)) return saved;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const base = String(tag || '').toLowerCase().split('-')[0];
    if (supported.includes(base)) return base;
  }
  return 'en';
}

async function load(lang) {
  const response = await fetch(`/console/i18n/${lang}.json`, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`i18n ${lang}: ${response.status}`);
  return response.json();
}

/** Loads the messages of the starting language (and English as the fallback). */
export async function initI18n() {
  current = initialLanguage();
  fallback = await load('en');
  messages = current === 'en' ? fallback : await load(current);
  document.documentElement.lang = current;
}

/** The current language code. */
export function lang() {
  return current;
}

/** Switches the language, remembers it and tells the page (`tsunagu:lang`). */
export async function setLang(next) {
  if (!supported.includes(next) || next === current) return;
  messages = next === 'en' ? fallback : await load(next);
  current = next;
  localStorage.setItem(storageKey, next);
  document.documentElement.lang = next;
  window.dispatchEvent(new CustomEvent('tsunagu:lang', { detail: { lang: next } }));
}

/**
 * The message for `key`, with `{name}` placeholders filled from `vars`.
 * @param {string} key
 * @param {Record<string, string|number>} [vars]
 */
export function t(key, vars = {}) {
  const template = messages[key] ?? fallback[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (match, name) => (name in vars ? String(vars[name]) : match));
}

/** True when a message exists for `key`. */
export function has(key) {
  return key in messages || key in fallback;
}
