// Account and settings: profile, sign out, language, push on this device, notification choices.
import { h, icon, replace } from '../dom.js';
import { LANGS, getLang, setLang, t, tOr } from '../i18n.js';
import { get, patch, put } from '../api.js';
import { logout, mayAdminister, updateMe } from '../session.js';
import { clearFieldErrors, errorMessage, field, screenHeader, setBusy, showFieldErrors, toast } from '../ui.js';
import { dataSection, emailSection } from '../components/account-data.js';
import { currentSubscription, disablePush, enablePush, pushSupported } from '../push.js';

const CHANNELS = ['live', 'push', 'email', 'digest', 'off'];

function languageSection(user) {
  const select = h('select', { name: 'language', 'data-testid': 'language' },
    LANGS.map((l) => h('option', { value: l.code, selected: l.code === getLang(), lang: l.code }, l.name)));
  select.onchange = async () => {
    await setLang(select.value, { persist: true });
    if (user) patch('/me', { locale: select.value }).catch(() => {});
  };
  return h('section', { class: 'card', id: 'settings', 'aria-labelledby': 'lang-h' },
    h('h2', { id: 'lang-h' }, icon('globe'), t('settings.language')), field({ label: t('settings.languageLabel'), input: select }));
}

function profileSection(user) {
  const name = h('input', { name: 'display_name', type: 'text', autocomplete: 'nickname', required: true, value: user.display_name || '' });
  const save = h('button', { type: 'submit', class: 'btn btn-secondary' }, t('action.save'));
  const form = h('form', { class: 'stack', novalidate: true }, field({ label: t('account.displayName'), input: name }), save);
  form.onsubmit = async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    setBusy(save, true);
    try {
      updateMe(await patch('/me', { display_name: name.value.trim() }));
      toast(t('account.saved'), { tone: 'success' });
    } catch (err) { showFieldErrors(form, err); }
    setBusy(save, false);
  };
  const signOut = h('button', { type: 'button', class: 'btn btn-danger', 'data-testid': 'sign-out' }, icon('logout'), t('account.signOut'));
  signOut.onclick = async () => {
    setBusy(signOut, true);
    try { await logout(); toast(t('account.signedOut')); } catch (e) { toast(errorMessage(e), { tone: 'error' }); setBusy(signOut, false); }
  };
  return h('section', { class: 'card', 'aria-labelledby': 'profile-h' },
    h('h2', { id: 'profile-h' }, icon('user'), t('account.profile')),
    h('dl', { class: 'facts' },
      h('dt', null, t('account.email')), h('dd', { 'data-testid': 'account-email' }, user.email),
      h('dt', null, t('account.role')), h('dd', null, tOr(`role.${user.role}`, user.role)),
      ...(user.departments || []).length ? [h('dt', null, t('account.departments')), h('dd', null, user.departments.map((d) => d.name).join(', '))] : []),
    form, h('div', { class: 'row sign-out-row' }, signOut));
}

function pushControl() {
  const box = h('div', { class: 'push-control' });
  if (!pushSupported()) { box.append(h('p', { class: 'muted' }, t('push.unsupported'))); return box; }
  const input = h('input', { type: 'checkbox', id: 'push-toggle', role: 'switch', 'data-testid': 'push-toggle' });
  const note = h('p', { class: 'muted small', role: 'status' });
  box.append(h('div', { class: 'check' }, input, h('label', { for: input.id }, t('push.toggle'), h('span', { class: 'hint' }, t('push.toggleHint')))), note);
  currentSubscription().then((sub) => { input.checked = !!sub && Notification.permission === 'granted'; }).catch(() => {});
  if (Notification.permission === 'denied') { input.disabled = true; note.textContent = t('push.blocked'); }
  input.onchange = async () => {
    input.disabled = true;
    try {
      if (input.checked) { await enablePush(); note.textContent = t('push.enabled'); } else { await disablePush(); note.textContent = t('push.disabled'); }
    } catch (e) {
      input.checked = false;
      note.textContent = e.message === 'push_denied' ? t('push.blocked') : e.message === 'push_dismissed' ? '' : t('push.failed');
    }
    input.disabled = Notification.permission === 'denied';
  };
  return box;
}

function preferencesSection() {
  const body = h('div', null, h('p', { class: 'muted' }, t('state.loading')));
  const status = h('p', { class: 'muted small', role: 'status' });
  get('/notifications/preferences').then((data) => {
    const prefs = { ...(data.preferences || data) };
    const kinds = Object.keys(prefs);
    if (!kinds.length) { replace(body); return; }
    replace(body, ...kinds.map((kind) => {
      const select = h('select', { name: kind, 'data-testid': `pref-${kind}` },
        CHANNELS.map((c) => h('option', { value: c, selected: prefs[kind] === c }, t(`prefs.channel.${c}`))));
      select.onchange = async () => {
        prefs[kind] = select.value;
        try { await put('/notifications/preferences', prefs); status.textContent = t('account.saved'); } catch (e) { status.textContent = errorMessage(e); }
      };
      return field({ label: t(`prefs.kind.${kind}`), input: select });
    }));
  }).catch((e) => replace(body, h('p', { class: 'muted' }, errorMessage(e))));
  return h('div', null, h('h3', null, t('prefs.title')), body, status);
}

export default function account(ctx) {
  const user = ctx.user;
  ctx.root.append(screenHeader(user ? user.display_name : t('account.title')));
  if (!user) {
    ctx.root.append(h('section', { class: 'card welcome' },
      h('h2', null, t('account.welcomeTitle')), h('p', null, t('account.welcomeText')),
      h('div', { class: 'row wrap' },
        h('a', { class: 'btn btn-primary', href: '/login', 'data-testid': 'go-sign-in' }, t('account.signIn')),
        h('a', { class: 'btn btn-secondary', href: '/register', 'data-testid': 'go-register' }, t('account.register')))));
  } else {
    ctx.root.append(profileSection(user));
    if (mayAdminister(user)) {
      ctx.root.append(h('div', { class: 'row' }, h('a', { class: 'btn btn-secondary', href: '/admin', 'data-testid': 'go-admin' }, icon('wrench'), t('account.adminConsole'))));
    }
  }
  ctx.root.append(languageSection(user));
  if (user) {
    ctx.root.append(h('section', { class: 'card', id: 'notifications', 'aria-labelledby': 'notif-h' },
      h('h2', { id: 'notif-h' }, icon('bell'), t('notifications.title')), pushControl(), preferencesSection(),
      h('p', null, h('a', { href: '/alerts', 'data-testid': 'alerts-link' }, icon('alert'), t('alerts.placeTitle')))));
    ctx.root.append(emailSection(user), dataSection());
  }
  ctx.root.append(h('section', { class: 'card', 'aria-labelledby': 'public-h' }, h('h2', { id: 'public-h' }, icon('globe'), t('account.publicRecords')),
    h('p', null, h('a', { href: '/moderation/log', 'data-testid': 'modlog-link' }, icon('eye'), t('modlog.title')))));
  ctx.root.append(h('p', { class: 'muted small center' }, t('account.version', { version: __BUILD_VERSION__ })));
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
}
