// The account's own data: e-mail (verify, change), download my data, delete my account.
import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { del, get, post } from '../api.js';
import { logout } from '../session.js';
import { clearFieldErrors, errorMessage, field, setBusy, showFieldErrors, toast } from '../ui.js';

function form(fields, label, onSubmit, { danger = false, testid } = {}) {
  const submit = h('button', { type: 'submit', class: `btn ${danger ? 'btn-danger' : 'btn-secondary'}`, 'data-testid': testid }, label);
  const el = h('form', { class: 'stack', novalidate: true }, ...fields, submit);
  el.onsubmit = async (e) => {
    e.preventDefault();
    clearFieldErrors(el);
    setBusy(submit, true);
    try { await onSubmit(); } catch (err) { showFieldErrors(el, err); }
    setBusy(submit, false);
  };
  return el;
}

const passwordInput = (name, testid) => h('input', { name, type: 'password', autocomplete: 'current-password', required: true, 'data-testid': testid });

export function emailSection(user) {
  const status = h('p', { class: 'muted small', role: 'status', 'data-testid': 'email-status' },
    user.email_verified ? t('account.emailVerified') : t('account.emailUnverified'));
  const resend = user.email_verified ? null : h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'resend-verification' }, t('account.resendVerification'));
  if (resend) {
    resend.onclick = async () => {
      setBusy(resend, true);
      try { await post('/auth/verify/resend'); status.textContent = t('account.verificationSent'); } catch (e) { status.textContent = errorMessage(e); }
      setBusy(resend, false);
    };
  }
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true, 'data-testid': 'new-email' });
  const password = passwordInput('password', 'email-password');
  const change = form([field({ label: t('account.newEmail'), input: email }), field({ label: t('account.password'), input: password })],
    t('account.changeEmail'), async () => {
      await post('/me/email', { email: email.value.trim(), password: password.value });
      status.textContent = t('account.emailChangeSent', { email: email.value.trim() });
      password.value = '';
    }, { testid: 'change-email' });
  return h('section', { class: 'card', id: 'email', 'aria-labelledby': 'email-h' },
    h('h2', { id: 'email-h' }, icon('send'), t('account.emailTitle')), status, resend, h('details', null, h('summary', null, t('account.changeEmail')), change));
}

export function dataSection() {
  const download = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'export-data' }, t('account.exportData'));
  download.onclick = async () => {
    setBusy(download, true);
    try {
      const archive = await get('/me/export');
      const url = URL.createObjectURL(new Blob([JSON.stringify(archive, null, 2)], { type: 'application/json' }));
      const link = h('a', { href: url, download: 'cityloop-data.json' });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) { toast(errorMessage(e), { tone: 'error' }); }
    setBusy(download, false);
  };
  const password = passwordInput('password', 'delete-password');
  const remove = form([h('p', { class: 'muted' }, t('account.deleteText')), field({ label: t('account.password'), input: password })],
    t('account.deleteAccount'), async () => {
      if (!window.confirm(t('account.deleteConfirm'))) return;
      await del('/me', { password: password.value });
      await logout().catch(() => {});
      toast(t('account.deleted'));
    }, { danger: true, testid: 'delete-account' });
  return h('section', { class: 'card', id: 'my-data', 'aria-labelledby': 'data-h' },
    h('h2', { id: 'data-h' }, icon('user'), t('account.dataTitle')),
    h('p', { class: 'muted' }, t('account.exportText')), download,
    h('details', null, h('summary', null, t('account.deleteAccount')), remove));
}
