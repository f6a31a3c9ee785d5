// The admin console's categories: names, department, deadline and escalation, the
// recurring-problem threshold, the extra questions a report asks (Open311 attributes: six
// datatypes, required, order) and the department's response templates.
import { h, replace } from '../dom.js';
import { localName, t } from '../i18n.js';
import { create, del, get, patch } from '../api.js';
import { errorState, field } from '../ui.js';
import { actionButton, checkbox, input, numberInput, numberOrNull, rowForm, zhNames } from './admin-kit.js';

const DATATYPES = ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'];
const isList = (datatype) => datatype.endsWith('valuelist');

/** "key: Name" per line, the way a list question's choices are typed. */
const valuesText = (values) => (values || []).map((v) => `${v.key}: ${v.name}`).join('\n');
function parseValues(text) {
  return text.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
    const at = line.indexOf(':');
    return at > 0 ? { key: line.slice(0, at).trim(), name: line.slice(at + 1).trim() } : { key: line, name: line };
  });
}

/** One question's inputs; `read()` gives it in the API's shape. */
function questionEditor(q, n) {
  const code = input('code', q.code, { 'data-testid': `q-${n}-code` });
  const description = input('description', q.description, { 'data-testid': `q-${n}-description` });
  const datatype = h('select', { name: 'datatype', 'data-testid': `q-${n}-datatype` },
    DATATYPES.map((d) => h('option', { value: d, selected: d === (q.datatype || 'string') }, t(`admin.datatype.${d}`))));
  const required = checkbox('required', !!q.required, t('admin.required'), { 'data-testid': `q-${n}-required` });
  const order = numberInput('order', q.order ?? n, { 'data-testid': `q-${n}-order` });
  const values = h('textarea', { name: 'values', rows: 3, 'data-testid': `q-${n}-values` });
  values.value = valuesText(q.values);
  const valuesField = field({ label: t('admin.values'), hint: t('admin.valuesHint'), input: values });
  const show = () => { valuesField.hidden = !isList(datatype.value); };
  datatype.addEventListener('change', show);
  show();
  const el = h('li', { class: 'card admin-question', 'data-testid': 'question' },
    field({ label: t('admin.questionCode'), input: code }), field({ label: t('admin.questionText'), input: description }),
    field({ label: t('admin.datatype.label'), input: datatype }), required, field({ label: t('admin.order'), input: order }), valuesField,
    h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'data-testid': `q-${n}-remove`, onclick: () => el.remove() }, t('admin.removeQuestion')));
  el.read = () => ({
    code: code.value.trim(), description: description.value.trim(), datatype: datatype.value,
    required: required.input.checked, order: Number(order.value) || 0,
    values: isList(datatype.value) ? parseValues(values.value) : [],
  });
  return el;
}

function questionsEditor(c) {
  const list = h('ol', { class: 'stack', 'data-field': 'attributes' });
  let n = 0;
  const add = (q) => list.append(questionEditor(q, n++));
  [...(c.attributes || [])].sort((a, b) => a.order - b.order).forEach(add);
  const box = h('details', { class: 'admin-questions', 'data-testid': `cat-${c.code}-questions` },
    h('summary', null, t('admin.questions', { count: (c.attributes || []).length })), list,
    h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-testid': `cat-${c.code}-add-question`, onclick: () => add({}) }, t('admin.addQuestion')));
  return { box, read: () => [...list.children].map((li) => li.read()) };
}

function templateRow(c, tpl, reload) {
  const title = input('title', tpl.title, { maxlength: 120 });
  const body = h('textarea', { name: 'body', rows: 3 });
  body.value = tpl.body;
  const remove = actionButton(t('admin.delete'), `tpl-${tpl.id}-delete`, async () => {
    await del(`/categories/${c.code}/templates/${tpl.id}`);
    reload();
  }, { confirmText: t('admin.deleteTemplateConfirm', { title: tpl.title }) });
  return rowForm({
    testid: `tpl-${tpl.id}`,
    fields: [field({ label: t('admin.templateTitle'), input: title }), field({ label: t('admin.templateBody'), input: body })],
    extra: [remove],
    onSave: async () => { await patch(`/categories/${c.code}/templates/${tpl.id}`, { title: title.value.trim(), body: body.value.trim() }); reload(); },
  });
}

function newTemplate(c, reload) {
  const title = input('title', '', { maxlength: 120, 'data-testid': `cat-${c.code}-new-tpl-title` });
  const body = h('textarea', { name: 'body', rows: 3, 'data-testid': `cat-${c.code}-new-tpl-body` });
  return rowForm({
    testid: `cat-${c.code}-new-tpl`, saveLabel: t('admin.addTemplate'),
    fields: [field({ label: t('admin.templateTitle'), input: title }), field({ label: t('admin.templateBody'), input: body })],
    onSave: async () => { await create(`/categories/${c.code}/templates`, { title: title.value.trim(), body: body.value.trim() }); reload(); },
  });
}

/** Loaded when opened: most categories are edited without touching their templates. */
function templatesSection(c) {
  const list = h('div', { class: 'stack' });
  const load = async () => {
    try {
      const { items } = await get(`/categories/${c.code}/templates`, { per_page: 100 });
      replace(list, ...items.map((tpl) => templateRow(c, tpl, load)), newTemplate(c, load));
    } catch (e) { replace(list, errorState(e, { onRetry: load })); }
  };
  const box = h('details', { class: 'admin-templates', 'data-testid': `cat-${c.code}-templates` }, h('summary', null, t('admin.templates')), list);
  box.addEventListener('toggle', () => { if (box.open && !list.childElementCount) load(); });
  return box;
}

/** `scope.full` (admins): everything; a head changes all but routing and activation. */
export function categoryRow(c, departments, reload, scope) {
  const name = input('name', c.name);
  const nameZh = input('names', (c.names || {})['zh-CN'], { lang: 'zh-CN' });
  const sla = numberInput('sla_hours', c.sla_hours, { min: 1, 'data-testid': `cat-${c.code}-sla` });
  const escalation = numberInput('admin_escalation_hours', c.admin_escalation_hours, { min: 1, 'data-testid': `cat-${c.code}-escalation` });
  const recurringCount = numberInput('recurring_count', c.recurring_count, { min: 2, placeholder: '5', 'data-testid': `cat-${c.code}-recurring-count` });
  const recurringDays = numberInput('recurring_days', c.recurring_days, { min: 1, placeholder: '30', 'data-testid': `cat-${c.code}-recurring-days` });
  const keywords = input('keywords', c.keywords, { maxlength: 255 });
  const notice = h('textarea', { name: 'notice', rows: 2, maxlength: 1000, 'data-testid': `cat-${c.code}-notice` });
  notice.value = c.notice || '';
  const noticeZh = h('textarea', { name: 'notices', rows: 2, maxlength: 1000, lang: 'zh-CN', 'data-testid': `cat-${c.code}-notice-zh` });
  noticeZh.value = c.notices?.['zh-CN'] || '';
  const stops = scope.full ? checkbox('notice_stops', c.notice_stops, t('admin.noticeStops'), { 'data-testid': `cat-${c.code}-notice-stops` }) : null;
  const department = h('select', { name: 'department', disabled: !scope.full, 'data-testid': `cat-${c.code}-department` },
    departments.map((d) => h('option', { value: d.code, selected: d.code === c.department }, localName(d))));
  const active = scope.full ? checkbox('active', c.active, t('admin.active')) : null;
  const questions = questionsEditor(c);
  const form = rowForm({
    testid: `cat-${c.code}`,
    fields: [h('h3', null, c.code), field({ label: t('admin.nameEn'), input: name }), field({ label: t('admin.nameZh'), input: nameZh }),
      field({ label: t('admin.department'), input: department }), field({ label: t('admin.slaHours'), input: sla }),
      field({ label: t('admin.escalationHours'), hint: t('admin.escalationHint'), input: escalation }),
      h('div', { class: 'row wrap' }, field({ label: t('admin.recurringCount'), input: recurringCount }), field({ label: t('admin.recurringDays'), input: recurringDays })),
      field({ label: t('admin.keywords'), hint: t('admin.keywordsHint'), input: keywords }),
      field({ label: t('admin.notice'), hint: t('admin.noticeHint'), input: notice }), field({ label: t('admin.noticeZh'), input: noticeZh }),
      stops, active, questions.box],
    onSave: async () => {
      const changes = {
        name: name.value.trim(), names: zhNames(nameZh),
        sla_hours: Number(sla.value), admin_escalation_hours: Number(escalation.value),
        recurring_count: numberOrNull(recurringCount), recurring_days: numberOrNull(recurringDays),
        keywords: keywords.value.trim(), attributes: questions.read(),
        notice: notice.value.trim(), notices: zhNames(noticeZh),
      };
      const cityOnly = { department: department.value, active: active?.input.checked, notice_stops: stops?.input.checked };
      await patch(`/categories/${c.code}`, scope.full ? { ...changes, ...cityOnly } : changes);
      reload();
    },
  });
  return h('div', { class: 'stack' }, form, templatesSection(c));
}
