// The ja / en switch; the choice is remembered by i18n.js.

import { h } from '../dom.js';
import { lang, setLang, t } from '../i18n.js';

/** Two small buttons, the current language pressed. */
export function LanguageSwitch() {
  const button = (code, label) =>
    h('button', {
      type: 'button',
      class: 'lang-switch__button',
      'aria-pressed': lang() === code ? 'true' : 'false',
      lang: code,
      onclick: () => setLang(code),
      text: label,
    });
  return h(
    'div',
    { class: 'lang-switch', role: 'group', 'aria-label': t('lang.label') },
    button('ja', '日本語'),
    button('en', 'English'),
  );
}
