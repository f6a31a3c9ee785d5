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

export default async function admin(ctx) {
  await useMessages('staff');
  if (!ctx.isCurrent()) return;
  const view = ctx.route.path === '/admin/categories' ? 'categories' : 'departments';
  const nav = h('nav', { class: 'chips', 'aria-label': t('admin.title') },
    ['departments', 'categories'].map((v) => h('a', { class: 'chip-btn', href: v === 'departments' ? '/admin' : '/admin/categories', 'aria-current': v === view ? 'page' : null, 'data-testid': `admin-${v}` }, t(`admin.${v}`))));
  const body = h('div', { class: 'stack' }, skeletonList(3));
  ctx.root.append(screenHeader(t('admin.title')), nav, body);
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

