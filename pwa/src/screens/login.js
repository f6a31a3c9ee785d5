// Sign in and create an account (one screen, two routes). Errors appear next to their fields.
import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { deskHref, login, register } from '../session.js';
import { clearFieldErrors, field, screenHeader, setBusy, showFieldErrors } from '../ui.js';

const safeNext = (next) => (next && next.startsWith('/') && !next.startsWith('//') ? next : null);

const withNext = (path, next) => (next ? `${path}?next=${encodeURIComponent(next)}` : path);

export default function loginScreen(ctx) {
  const isRegister = ctx.route.path === '/register';
  const next = safeNext(ctx.query.get('next'));
  // Where a page sent them, else their working screen: staff their desk, volunteers the queue.
  const landing = (user) => next || deskHref(user) || '/';
  if (ctx.user) { ctx.navigate(landing(ctx.user), { replace: true }); return; }
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'email', inputmode: 'email', required: true, 'data-testid': 'email' });
  const password = h('input', { name: 'password', type: 'password', required: true, minlength: isRegister ? 8 : null,
    autocomplete: isRegister ? 'new-password' : 'current-password', 'data-testid': 'password' });
  const displayName = h('input', { name: 'display_name', type: 'text', autocomplete: 'nickname', required: true, 'data-testid': 'display-name' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-big', 'data-testid': 'submit' }, t(isRegister ? 'account.register' : 'account.signIn'));
  const form = h('form', { class: 'stack auth-form', novalidate: true },
    isRegister ? field({ label: t('account.displayName'), hint: t('account.displayNameHint'), input: displayName }) : null,
    field({ label: t('account.email'), input: email }),
    field({ label: t('account.password'), hint: isRegister ? t('account.passwordHint') : null, input: password }),
    submit);
  form.onsubmit = async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const missing = {};
    for (const input of form.querySelectorAll('input[required]')) if (!input.value.trim()) missing[input.name] = [t('form.requiredField')];
    if (Object.keys(missing).length) { showFieldErrors(form, { fields: missing }); return; }
    setBusy(submit, true);
    try {
      const user = isRegister
        ? await register({ email: email.value.trim(), password: password.value, display_name: displayName.value.trim() })
        : await login(email.value.trim(), password.value);
      ctx.navigate(landing(user), { replace: true });
    } catch (err) {
      setBusy(submit, false);
      showFieldErrors(form, err);
    }
  };
  const other = isRegister
    ? h('p', null, t('account.haveAccount'), ' ', h('a', { href: withNext('/login', next) }, t('account.signIn')))
    : h('p', null, t('account.noAccount'), ' ', h('a', { href: withNext('/register', next) }, t('account.register')),
      ' · ', h('a', { href: '/reset-password', 'data-testid': 'forgot-password' }, t('account.forgotPassword')));
  ctx.root.append(screenHeader(t(isRegister ? 'account.registerTitle' : 'account.signInTitle'), { back: '/account' }),
    h('p', { class: 'muted row' }, icon('lock'), t('account.readOnlyNote')), form, other);
}
