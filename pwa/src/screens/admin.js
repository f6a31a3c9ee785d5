// The admin console, through the same admin JSON API as any client: departments, categories,
// users, API keys, proposal topics, the settings a city changes while running, and the audit log. Each row is a small form; a change is
// saved with its own button and read back.
import { h, replace } from '../dom.js';
import { localName, t, useMessages } from '../i18n.js';
import { create, get, patch } from '../api.js';
import { errorState, field, forbiddenState, screenHeader, skeletonList } from '../ui.js';
import { headOf } from '../session.js';
import { actionButton, checkbox, input, numberInput, rowForm, zhNames } from '../components/admin-kit.js';
import { categoryRow } from '../components/admin-categories.js';
import { keysView, usersView } from '../components/admin-people.js';

/** What the person may run here: everything (admins), or their own departments (heads). */
function scopeOf(user) {
  return user.role === 'admin' ? { full: true, heads: null } : { full: false, heads: headOf(user) };
}

const isMine = (scope, code) => scope.full || scope.heads.includes(code);

function departmentRow(d, reload, scope) {
  const name = input('name', d.name);
  const nameZh = input('names', (d.names || {})['zh-CN'], { lang: 'zh-CN' });
  const active = scope.full ? checkbox('active', d.active, t('admin.active')) : null;  // the city's to decide
  return rowForm({
    testid: `dept-${d.code}`,
    fields: [h('h3', null, d.code), field({ label: t('admin.nameEn'), input: name }), field({ label: t('admin.nameZh'), input: nameZh }), active],
    onSave: async () => {
      const changes = { name: name.value.trim(), names: zhNames(nameZh) };
      await patch(`/departments/${d.code}`, active ? { ...changes, active: active.input.checked } : changes);
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
    onSave: async () => { await create('/departments', { code: code.value.trim(), name: name.value.trim() }); reload(); },
  });
}

function topicRow(topic, reload) {
  const name = input('name', topic.name);
  const nameZh = input('names', topic.names?.['zh-CN'], { lang: 'zh-CN' });
  const position = numberInput('position', topic.position, { min: 0, 'data-testid': `topic-${topic.code}-position` });
  const active = checkbox('active', topic.active, t('admin.active'), { 'data-testid': `topic-${topic.code}-active` });
  return rowForm({
    testid: `topic-${topic.code}`,
    fields: [h('h3', null, localName(topic)), h('p', { class: 'muted small' }, topic.code), field({ label: t('admin.nameEn'), input: name }),
      field({ label: t('admin.nameZh'), input: nameZh }), field({ label: t('admin.position'), input: position }), active],
    onSave: async () => {
      await patch(`/proposals/topics/${topic.code}`, { name: name.value.trim(), names: zhNames(nameZh), position: Number(position.value) || 0, active: active.input.checked });
      reload();
    },
  });
}

function newTopic(reload) {
  const code = input('code', '', { 'data-testid': 'new-topic-code' });
  const name = input('name', '', { 'data-testid': 'new-topic-name' });
  const nameZh = input('names', '', { lang: 'zh-CN', 'data-testid': 'new-topic-name-zh' });
  return rowForm({
    testid: 'new-topic', saveLabel: t('admin.create'),
    fields: [h('h3', null, t('admin.newTopic')), field({ label: t('admin.code'), input: code }), field({ label: t('admin.nameEn'), input: name }), field({ label: t('admin.nameZh'), input: nameZh })],
    onSave: async () => { await create('/proposals/topics', { code: code.value.trim(), name: name.value.trim(), names: zhNames(nameZh) }); reload(); },
  });
}

/** A setting the city changes while running: its own save, and a way back to the configured value. */
function settingRow(item, reload) {
  const boolean = typeof item.configured === 'boolean';
  const control = boolean
    ? checkbox(item.name, item.value, t(`admin.setting.${item.name}`), { 'data-testid': `setting-${item.name}` })
    : numberInput(item.name, item.value, { min: 0, 'data-testid': `setting-${item.name}` });
  const read = () => (boolean ? control.input.checked : Number(control.value));
  const configured = boolean ? t(item.configured ? 'admin.on' : 'admin.off') : String(item.configured);
  const reset = item.changed
    ? [actionButton(t('admin.settingReset', { value: configured }), `setting-${item.name}-reset`, async () => { await patch('/admin/settings', { [item.name]: null }); reload(); })]
    : [];
  return rowForm({
    testid: `setting-row-${item.name}`,
    fields: [boolean ? control : field({ label: t(`admin.setting.${item.name}`), input: control }),
      h('p', { class: 'hint' }, t(`admin.settingHint.${item.name}`)),
      h('p', { class: 'muted small', 'data-testid': `setting-${item.name}-source` }, item.changed ? t('admin.settingChanged', { value: configured }) : t('admin.settingConfigured'))],
    extra: reset,
    onSave: async () => { await patch('/admin/settings', { [item.name]: read() }); reload(); },
  });
}

function auditView(body) {
  get('/admin/audit', { per_page: 50 }).then(({ items }) => replace(body, h('ul', { class: 'stack', 'data-testid': 'audit-list' }, items.map((e) => h('li', { class: 'card' },
    h('strong', null, e.action), ' ', h('span', { class: 'muted small' }, `${e.target_type} ${e.target_id || ''} · #${e.actor_id ?? '-'} · ${new Date(e.created_at).toLocaleString()}`),
    h('pre', { class: 'small mod-text' }, JSON.stringify({ before: e.before, after: e.after })))))))
    .catch((e) => replace(body, errorState(e)));
}

/** A view whose rows come from the API, read again after each change. */
function listView(body, loadRows) {
  async function load() {
    try { replace(body, ...(await loadRows(load))); } catch (e) { replace(body, errorState(e, { onRetry: load })); }
  }
  load();
}

const departmentsOf = async (scope) => (await get('/departments', scope.full ? { include_inactive: true } : null)).items;

const VIEWS = {
  departments: (body, scope) => listView(body, async (load) => [scope.full ? newDepartment(load) : null,
    ...(await departmentsOf(scope)).filter((d) => isMine(scope, d.code)).map((d) => departmentRow(d, load, scope))].filter(Boolean)),
  categories: (body, scope) => listView(body, async (load) => {
    const [departments, categories] = await Promise.all([departmentsOf(scope), get('/categories', scope.full ? { include_inactive: true, per_page: 100 } : { per_page: 100 })]);
    return categories.items.filter((c) => isMine(scope, c.department)).map((c) => categoryRow(c, departments, load, scope));
  }),
  users: usersView,
  keys: keysView,
  topics: (body) => listView(body, async (load) => {
    const { items } = await get('/proposals/topics', { include_inactive: true });
    return [newTopic(load), ...items.map((topic) => topicRow(topic, load))];
  }),
  settings: (body) => listView(body, async (load) => (await get('/admin/settings')).items.map((item) => settingRow(item, load))),
  audit: auditView,
};
const PATHS = { '/admin': 'departments', '/admin/categories': 'categories', '/admin/users': 'users', '/admin/keys': 'keys', '/admin/topics': 'topics', '/admin/settings': 'settings', '/admin/audit': 'audit' };

// A head's console: their departments and those departments' categories.
const HEAD_VIEWS = new Set(['departments', 'categories']);

export default async function admin(ctx) {
  await useMessages('staff');
  if (!ctx.isCurrent()) return;
  const scope = scopeOf(ctx.user);
  if (!scope.full && !scope.heads.length) { ctx.root.append(...forbiddenState()); return; }
  const paths = Object.entries(PATHS).filter(([, v]) => scope.full || HEAD_VIEWS.has(v));
  const view = PATHS[ctx.route.path] || 'departments';
  const nav = h('nav', { class: 'chips', 'aria-label': t('admin.title') },
    paths.map(([href, v]) => h('a', { class: 'chip-btn', href, 'aria-current': v === view ? 'page' : null, 'data-testid': `admin-${v}` }, t(`admin.${v}`))));
  const body = h('div', { class: 'stack' }, skeletonList(3));
  ctx.root.append(screenHeader(t('admin.title')), nav, body);
  VIEWS[view](body, scope);
}
