// Login: company ID, login and password; clear errors, including the wait after too many
// failed attempts.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { ApiError } from '../api.js';
import { describeError } from '../errors.js';
import { logIn } from '../session.js';
import { LanguageSwitch } from './language-switch.js';

const companyKey = 'tsunagu.company';

/**
 * @param {{ notice?: string, onLoggedIn: () => void }} options
 */
export function LoginPage({ notice = '', onLoggedIn }) {
  const company = h('input', {
    id: 'login-company', name: 'company', required: true, autocomplete: 'organization',
    autocapitalize: 'characters', spellcheck: 'false', value: localStorage.getItem(companyKey) ?? '',
  });
  const login = h('input', { id: 'login-login', name: 'login', required: true, autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', required: true, autocomplete: 'current-password' });
  const message = h('p', { class: 'form__error', role: 'alert', id: 'login-error', hidden: !notice, text: notice });
  const submit = h('button', { type: 'submit', class: 'button button--primary button--wide', id: 'login-submit', text: t('login.submit') });
  let countdown = null;

  const showError = (text) => {
    message.hidden = false;
    message.textContent = text;
  };

  const lockFor = (seconds) => {
    clearInterval(countdown);
    let left = seconds;
    submit.disabled = true;
    const tick = () => {
      showError(t('error.too_many_attempts', { seconds: left, wait: t('wait.seconds', { n: left }) }));
      if (left-- <= 0) {
        clearInterval(countdown);
        submit.disabled = false;
        showError(t('login.tryAgain'));
      }
    };
    tick();
    countdown = setInterval(tick, 1000);
  };

  const form = h(
    'form',
    {
      class: 'form login__form',
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        if (!company.value.trim() || !login.value.trim() || !password.value) {
          showError(t('login.missing'));
          return;
        }
        submit.disabled = true;
        submit.textContent = t('login.submitting');
        message.hidden = true;
        try {
          await logIn(company.value.trim(), login.value.trim(), password.value);
          localStorage.setItem(companyKey, company.value.trim());
          onLoggedIn();
        } catch (error) {
          password.value = '';
          submit.disabled = false;
          submit.textContent = t('login.submit');
          if (error instanceof ApiError && error.code === 'too_many_attempts' && error.retryAfter) {
            lockFor(error.retryAfter);
          } else {
            showError(describeError(error));
          }
          password.focus();
        }
      },
    },
    field('login-company', t('login.company'), company, t('login.companyHint')),
    field('login-login', t('login.login'), login),
    field('login-password', t('login.password'), password),
    message,
    submit,
  );

  const el = h(
    'div',
    { class: 'login' },
    h(
      'section',
      { class: 'login__card', 'aria-labelledby': 'login-title' },
      h('div', { class: 'login__top' }, h('div', { class: 'brand brand--large' }, h('span', { class: 'brand__mark', 'aria-hidden': 'true' }), h('span', { class: 'brand__name', text: 'Tsunagu' }), h('span', { class: 'brand__kana', text: 'つなぐ' })), LanguageSwitch()),
      h('h1', { id: 'login-title', class: 'login__title', text: t('login.title') }),
      h('p', { class: 'login__lead', text: t('login.lead') }),
      form,
    ),
    h('p', { class: 'login__foot', text: t('login.foot') }),
  );
  return {
    el,
    focus: () => (company.value ? login : company).focus(),
    unmount: () => clearInterval(countdown),
  };
}

function field(id, label, input, hint) {
  return h('div', { class: 'field' }, h('label', { for: id, class: 'field__label', text: label }), input, hint ? h('span', { class: 'field__hint', text: hint }) : null);
}

