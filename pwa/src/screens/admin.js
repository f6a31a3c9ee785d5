// The admin console: departments and categories, through the same admin JSON API as any
// client. Each row is a small form; a change is saved with its own button and read back.
import { h, replace } from '../dom.js';
import { t, useMessages } from '../i18n.js';
import { get, patch, post } from '../api.js';
import { clearFieldErrors, errorState, field, screenHeader, setBusy, showFieldErrors, skeletonList, toast } from '../ui.js';

const input = (name, value, attrs = {}) => h('input', { name, value: value ?? '', type: 'text', ...attrs });

function rowForm({ testid, fields, onSave, saveLabel = t('action.save') }) {
  const save = h('button', { type: 'submit', class: 'btn btn-secondary btn-small', 'data-testid': `${testid}-save` }, saveLabel);
  const form = h('form', { class: 'stack card admin-row', novalidate: true, 'data-testid': testid }, ...fields, save);
  form.onsubmit = async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    setBusy(save, true);
    try { await onSave(); toast(t('account.saved'), { tone: 'success' }); } catch (err) { showFieldErrors(form, err); }
    setBusy(save, false);
  };
  return form;
}

function departmentRow(d, reload) {
  const name = input('name', d.name);
  const nameZh = input('names', (d.names || {})['zh-CN'], { lang: 'zh-CN' });
  const active = h('input', { type: 'checkbox', name: 'active', checked: d.active, id: `dept-active-${d.code}` });
  return rowForm({
    testid: `dept-${d.code}`,
    fields: [h('h3', null, d.code), field({ label: t('admin.nameEn'), input: name }), field({ label: t('admin.nameZh'), input: nameZh }),
      h('div', { class: 'check' }, active, h('label', { for: active.id }, t('admin.active')))],
    onSave: async () => {
      await patch(`/departments/${d.code}`, { name: name.value.trim(), names: nameZh.value.trim() ? { 'zh-CN': nameZh.value.trim() } : {}, active: active.checked });
      reload();
    },
  });
}

function newDepartment(reload) {
  const code = input('code', '', { 'data-testid': 'new-dept-code' });
  const name = input('name', '', { 'data-testid': 'new-dept-name' });
  return rowForm({
    testid: 'new-dept', saveLabel: t('admin.create'),
    fields: [h('h3', null, t('admin.newDepartment')), field({ label: t('admin.code'), input: code }), field({ label: t('admin.nameEn'), input: name })],
    onSave: async () => { await post('/departments', { code: code.value.trim(), name: name.value.trim() }); reload(); },
  });
}

function categoryRow(c, departments, reload) {
  const name = input('name', c.name);
  const nameZh = input('names', (c.names || {})['zh-CN'], { lang: 'zh-CN' });
  const sla = input('sla_hours', c.sla_hours, { type: 'number', min: 1, inputmode: 'numeric', 'data-testid': `cat-${c.code}-sla` });
  const department = h('select', { name: 'department', 'data-testid': `cat-${c.code}-department` },
    departments.map((d) => h('option', { value: d.code, selected: d.code === c.department }, d.name)));
  const active = h('input', { type: 'checkbox', name: 'active', checked: c.active, id: `cat-active-${c.code}` });
  return rowForm({
    testid: `cat-${c.code}`,
    fields: [h('h3', null, c.code), field({ label: t('admin.nameEn'), input: name }), field({ label: t('admin.nameZh'), input: nameZh }),
      field({ label: t('admin.department'), input: department }), field({ label: t('admin.slaHours'), input: sla }),
      h('div', { class: 'check' }, active, h('label', { for: active.id }, t('admin.active')))],
    onSave: async () => {
      await patch(`/categories/${c.code}`, {
        name: name.value.trim(), names: nameZh.value.trim() ? { 'zh-CN': nameZh.value.trim() } : {},
        department: department.value, sla_hours: Number(sla.value), active: active.checked,
      });
      reload();
    },
  });
}

function userRow(u, reload) {
  const role = h('select', { name: 'role', 'data-testid': `user-${u.id}-role` },
    ['resident', 'volunteer', 'staff', 'admin'].map((r) => h('option', { value: r, selected: r === u.role }, t(`role.${r}`))));
  const blocked = h('input', { type: 'checkbox', name: 'blocked', checked: u.blocked, id: `user-blocked-${u.id}`, 'data-testid': `user-${u.id}-blocked` });
  return rowForm({
    testid: `user-${u.id}`,
    fields: [h('h3', null, u.display_name), h('p', { class: 'muted small' }, u.email), field({ label: t('admin.role'), input: role }),
      h('div', { class: 'check' }, blocked, h('label', { for: blocked.id }, t('admin.blocked')))],
    onSave: async () => { await patch(`/admin/users/${u.id}`, { role: role.value, blocked: blocked.checked }); reload(); },
  });
}

function usersView(body) {
  const q = h('input', { name: 'q', type: 'search', 'data-testid': 'user-search' });
  const results = h('div', { class: 'stack' });
  let latest = 0;
  const search = async () => {
    const mine = ++latest;
    try {
      const { items } = await get('/admin/users', { q: q.value.trim() || undefined, per_page: 20 });
      if (mine === latest) replace(results, ...items.map((u) => userRow(u, search)));
    } catch (e) { replace(results, errorState(e, { onRetry: search })); }
  };
  const form = h('form', { class: 'row', role: 'search' }, field({ label: t('admin.searchUsers'), input: q }),
    h('button', { type: 'submit', class: 'btn btn-secondary btn-small', 'data-testid': 'user-search-go' }, t('admin.search')));
  form.onsubmit = (e) => { e.preventDefault(); search(); };
  replace(body, form, results);
  search();
}

function auditView(body) {
  get('/admin/audit', { per_page: 50 }).then(({ items }) => replace(body, h('ul', { class: 'stack', 'data-testid': 'audit-list' }, items.map((e) => h('li', { class: 'card' },
    h('strong', null, e.action), ' ', h('span', { class: 'muted small' }, `${e.target_type} ${e.target_id || ''} · #${e.actor_id ?? '-'} · ${new Date(e.created_at).toLocaleString()}`),
    h('pre', { class: 'small mod-text' }, JSON.stringify({ before: e.before, after: e.after })))))))
    .catch((e) => replace(body, errorState(e)));
}

const VIEWS = { '/admin': 'departments', '/admin/categories': 'categories', '/admin/users': 'users', '/admin/audit': 'audit' };

export default async function admin(ctx) {
  await useMessages('staff');
  if (!ctx.isCurrent()) return;
  const view = VIEWS[ctx.route.path] || 'departments';
  const nav = h('nav', { class: 'chips', 'aria-label': t('admin.title') },
    Object.entries(VIEWS).map(([href, v]) => h('a', { class: 'chip-btn', href, 'aria-current': v === view ? 'page' : null, 'data-testid': `admin-${v}` }, t(`admin.${v}`))));
  const body = h('div', { class: 'stack' }, skeletonList(3));
  ctx.root.append(screenHeader(t('admin.title')), nav, body);
  if (view === 'users') { usersView(body); return; }
  if (view === 'audit') { auditView(body); return; }
  async function load() {
    try {
      const departments = (await get('/departments', { include_inactive: true })).items;
      if (view === 'departments') {
        replace(body, newDepartment(load), ...departments.map((d) => departmentRow(d, load)));
      } else {
        const categories = (await get('/categories', { include_inactive: true })).items;
        replace(body, ...categories.map((c) => categoryRow(c, departments, load)));
      }
    } catch (e) { replace(body, errorState(e, { onRetry: load })); }
  }
  load();
}

