// The mailed links: /verify?token= (an address) and /reset-password[?token=] (a password).
import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { post } from '../api.js';
import { loadMe } from '../session.js';
import { clearFieldErrors, errorMessage, field, screenHeader, setBusy, showFieldErrors } from '../ui.js';

// A token is used once: the screen is drawn again when the session changes (the address is now
// confirmed), and must show the first answer, not a second "already used".
const verified = new Map();

function verify(ctx) {
  const status = h('p', { role: 'status', 'data-testid': 'verify-status' }, t('state.loading'));
  ctx.root.append(screenHeader(t('account.verifyTitle'), { back: '/account' }), h('section', { class: 'card' }, status));
  const token = ctx.query.get('token') || '';
  const first = !verified.has(token);
  if (first) verified.set(token, post('/auth/verify', { token }));
  verified.get(token)
    .then(() => { status.textContent = t('account.verifyDone'); return first ? loadMe().catch(() => {}) : null; })
    .catch((e) => { status.textContent = errorMessage(e); });
}

function resetForm(ctx, token) {
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true, 'data-testid': 'email' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8, 'data-testid': 'password' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-big', 'data-testid': 'submit' }, t(token ? 'account.resetSave' : 'account.resetSend'));
  const done = h('p', { role: 'status', 'data-testid': 'reset-status' });
  const form = h('form', { class: 'stack auth-form', novalidate: true },
    token ? field({ label: t('account.newPassword'), hint: t('account.passwordHint'), input: password }) : field({ label: t('account.email'), input: email }),
    submit);
  form.onsubmit = async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    setBusy(submit, true);
    try {
      if (token) {
        await post('/auth/password-reset/confirm', { token, password: password.value });
        form.replaceWith(done);
        done.append(t('account.resetDone'), ' ', h('a', { href: '/login', 'data-testid': 'go-sign-in' }, t('account.signIn')));
      } else {
        await post('/auth/password-reset', { email: email.value.trim() });
        form.replaceWith(done);
        done.textContent = t('account.resetSent');
      }
    } catch (err) { setBusy(submit, false); showFieldErrors(form, err); }
  };
  ctx.root.append(screenHeader(t('account.resetTitle'), { back: '/login' }), h('p', { class: 'muted row' }, icon('lock'), t(token ? 'account.resetNewHint' : 'account.resetHint')), form);
}

export default function accountLinks(ctx) {
  if (ctx.route.path === '/verify') verify(ctx);
  else resetForm(ctx, ctx.query.get('token'));
}
