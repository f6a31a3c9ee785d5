// The admin console's people and machines: users (role, departments and heads, block,
// sign out everywhere) and API keys (created once, shown once; trusted; revoked).
import { h, replace } from '../dom.js';
import { localName, t } from '../i18n.js';
import { create, del, get, patch, post } from '../api.js';
import { emptyState, errorState, field, toast } from '../ui.js';
import { actionButton, checkbox, input, rowForm } from './admin-kit.js';

const ROLES = ['resident', 'volunteer', 'staff', 'admin'];
const inDepartments = (role) => role === 'staff' || role === 'admin';

/** One line per department: member, head. Shown while the role is staff or admin. */
function membershipFields(u, departments, role) {
  const current = new Map((u.departments || []).map((m) => [m.code, m.is_head]));
  const rows = departments.map((d) => {
    const member = checkbox('member', current.has(d.code), localName(d), { value: d.code, 'data-testid': `user-${u.id}-dept-${d.code}` });
    const head = checkbox('head', current.get(d.code) === true, t('admin.head'), { value: d.code, 'data-testid': `user-${u.id}-head-${d.code}` });
    member.input.addEventListener('change', () => { if (!member.input.checked) head.input.checked = false; });
    head.input.addEventListener('change', () => { if (head.input.checked) member.input.checked = true; });
    return { code: d.code, member: member.input, head: head.input, el: h('li', { class: 'row wrap' }, member, head) };
  });
  const box = h('fieldset', { class: 'admin-memberships', 'data-field': 'departments' },
    h('legend', null, t('admin.memberships')), h('ul', { class: 'stack' }, rows.map((r) => r.el)));
  const show = () => { box.hidden = !inDepartments(role.value); };
  role.addEventListener('change', show);
  show();
  return {
    box,
    value: () => ({
      departments: rows.filter((r) => r.member.checked).map((r) => r.code),
      head_of: rows.filter((r) => r.head.checked).map((r) => r.code),
    }),
  };
}

function userRow(u, departments, reload) {
  const role = h('select', { name: 'role', 'data-testid': `user-${u.id}-role` },
    ROLES.map((r) => h('option', { value: r, selected: r === u.role }, t(`role.${r}`))));
  const blocked = checkbox('blocked', u.blocked, t('admin.blocked'), { 'data-testid': `user-${u.id}-blocked` });
  const memberships = membershipFields(u, departments, role);
  const signOut = actionButton(t('admin.signOutEverywhere'), `user-${u.id}-sign-out`, async () => {
    await post(`/admin/users/${u.id}/sign-out`);
    toast(t('admin.signedOut', { name: u.display_name }), { tone: 'success' });
  });
  return rowForm({
    testid: `user-${u.id}`,
    fields: [h('h3', null, u.display_name), h('p', { class: 'muted small' }, u.email),
      field({ label: t('admin.role'), input: role }), memberships.box, blocked],
    extra: [signOut],
    onSave: async () => {
      const changes = { role: role.value, blocked: blocked.input.checked };
      await patch(`/admin/users/${u.id}`, inDepartments(role.value) ? { ...changes, ...memberships.value() } : changes);
      reload();
    },
  });
}

export function usersView(body) {
  const q = h('input', { name: 'q', type: 'search', 'data-testid': 'user-search' });
  const results = h('div', { class: 'stack' });
  let latest = 0;
  let departments = null;
  const search = async () => {
    const mine = ++latest;
    try {
      departments ||= (await get('/departments')).items;
      const { items } = await get('/admin/users', { q: q.value.trim() || undefined, per_page: 20 });
      if (mine === latest) replace(results, ...items.map((u) => userRow(u, departments, search)));
    } catch (e) { replace(results, errorState(e, { onRetry: search })); }
  };
  const form = h('form', { class: 'row', role: 'search' }, field({ label: t('admin.searchUsers'), input: q }),
    h('button', { type: 'submit', class: 'btn btn-secondary btn-small', 'data-testid': 'user-search-go' }, t('admin.search')));
  form.onsubmit = (e) => { e.preventDefault(); search(); };
  replace(body, form, results);
  search();
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : t('admin.never'));

function keyRow(k, reload) {
  const trusted = checkbox('trusted', k.trusted, t('admin.keyTrusted'), { 'data-testid': `key-${k.id}-trusted`, disabled: !!k.revoked_at });
  const facts = h('p', { class: 'muted small' }, `${k.prefix}… · ${t('admin.keyCreated')} ${when(k.created_at)} · ${t('admin.keyLastUsed')} ${when(k.last_used_at)}`);
  if (k.revoked_at) {
    return h('div', { class: 'card admin-row is-revoked', 'data-testid': `key-${k.id}` },
      h('h3', null, k.name), facts, h('p', { class: 'tag', 'data-testid': `key-${k.id}-revoked` }, t('admin.keyRevoked'), ' ', when(k.revoked_at)));
  }
  const revoke = actionButton(t('admin.keyRevoke'), `key-${k.id}-revoke`, async () => {
    await del(`/admin/apikeys/${k.id}`);
    reload();
  }, { tone: 'btn-danger', confirmText: t('admin.keyRevokeConfirm', { name: k.name }) });
  return rowForm({
    testid: `key-${k.id}`,
    fields: [h('h3', null, k.name), facts, trusted],
    extra: [revoke],
    onSave: async () => { await patch(`/admin/apikeys/${k.id}`, { trusted: trusted.input.checked }); reload(); },
  });
}

function newKey(shown, reload) {
  const name = input('name', '', { 'data-testid': 'new-key-name', maxlength: 120 });
  const trusted = checkbox('trusted', false, t('admin.keyTrusted'), { 'data-testid': 'new-key-trusted' });
  return rowForm({
    testid: 'new-key', saveLabel: t('admin.create'), done: t('admin.keyCreatedToast'),
    fields: [h('h3', null, t('admin.newKey')), field({ label: t('admin.keyName'), input: name }), trusted],
    onSave: async () => {
      const key = await create('/admin/apikeys', { name: name.value.trim(), trusted: trusted.input.checked });
      name.value = '';
      // The only time the key exists in the clear: the server keeps its hash.
      replace(shown, h('div', { class: 'card notice', role: 'status' },
        h('p', null, t('admin.keyShownOnce', { name: key.name })),
        h('code', { class: 'admin-secret', 'data-testid': 'new-key-value' }, key.key)));
      reload();
    },
  });
}

export function keysView(body) {
  const shown = h('div');
  const list = h('div', { class: 'stack', 'data-testid': 'key-list' });
  const load = async () => {
    try {
      const { items } = await get('/admin/apikeys', { per_page: 100 });
      replace(list, ...(items.length ? items.map((k) => keyRow(k, load)) : [emptyState({ iconName: 'info', title: t('admin.noKeys') })]));
    } catch (e) { replace(list, errorState(e, { onRetry: load })); }
  };
  replace(body, newKey(shown, load), shown, list);
  load();
}
