// A category's extra questions (Open311-style attributes) as form fields named `answers.<code>`.
import { h, nextId } from '../dom.js';
import { t } from '../i18n.js';

function control(attr, value, set) {
  const base = { name: `answers.${attr.code}`, id: nextId('attr'), required: !!attr.required, 'data-testid': `answer-${attr.code}` };
  switch (attr.datatype) {
    case 'number':
      return h('input', { ...base, type: 'number', inputmode: 'decimal', step: 'any', value: value ?? '', oninput: (e) => set(e.target.value === '' ? undefined : Number(e.target.value)) });
    case 'datetime':
      return h('input', { ...base, type: 'datetime-local', value: value ?? '', oninput: (e) => set(e.target.value || undefined) });
    case 'text':
      return h('textarea', { ...base, rows: 3, value: value ?? '', oninput: (e) => set(e.target.value || undefined) });
    case 'singlevaluelist':
      return h('select', { ...base, onchange: (e) => set(e.target.value || undefined) },
        h('option', { value: '' }, t('report.choose')),
        (attr.values || []).map((v) => h('option', { value: v.key, selected: String(v.key) === String(value) }, v.name)));
    default:
      return h('input', { ...base, type: 'text', value: value ?? '', oninput: (e) => set(e.target.value || undefined) });
  }
}

function multi(attr, value, set) {
  const chosen = new Set(Array.isArray(value) ? value.map(String) : []);
  const name = `answers.${attr.code}`;
  return h('fieldset', { class: 'field checks' },
    h('legend', null, attr.description || attr.code, attr.required ? h('span', { class: 'req' }, ` (${t('form.required')})`) : null),
    (attr.values || []).map((v) => {
      const id = nextId('attr');
      return h('div', { class: 'check' },
        h('input', { type: 'checkbox', id, name, value: v.key, checked: chosen.has(String(v.key)), onchange: (e) => {
          if (e.target.checked) chosen.add(String(v.key)); else chosen.delete(String(v.key));
          set(chosen.size ? [...chosen] : undefined);
        } }),
        h('label', { for: id }, v.name));
    }));
}

/** attributeFields(category, answers, onChange(answers)) -> element or null when it asks nothing */
export function attributeFields(category, answers, onChange) {
  const attrs = (category && category.attributes) || [];
  if (!attrs.length) return null;
  const set = (code) => (v) => {
    if (v === undefined) delete answers[code]; else answers[code] = v;
    onChange(answers);
  };
  return h('div', { class: 'attributes', 'data-testid': 'attributes' }, attrs.map((attr) => {
    if (attr.datatype === 'multivaluelist') return multi(attr, answers[attr.code], set(attr.code));
    const input = control(attr, answers[attr.code], set(attr.code));
    return h('div', { class: 'field' },
      h('label', { for: input.id }, attr.description || attr.code, attr.required ? h('span', { class: 'req' }, ` (${t('form.required')})`) : null),
      input);
  }));
}

/** Codes of required questions still unanswered. */
export const missingAnswers = (category, answers) => ((category && category.attributes) || [])
  .filter((a) => a.required && (answers[a.code] === undefined || answers[a.code] === '')).map((a) => a.code);
