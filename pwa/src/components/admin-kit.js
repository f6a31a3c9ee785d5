// Small pieces the admin console's screens share: inputs, a check box with its label, and
// a row form that saves itself through the API and says so.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { clearFieldErrors, setBusy, showFieldErrors, toast } from '../ui.js';

let ids = 0;

export const input = (name, value, attrs = {}) => h('input', { name, value: value ?? '', type: 'text', ...attrs });

export const numberInput = (name, value, attrs = {}) =>
  input(name, value, { type: 'number', inputmode: 'numeric', ...attrs });

/** A check box and its label; `box.input` is the element to read. */
export function checkbox(name, checked, label, attrs = {}) {
  const box = h('input', { type: 'checkbox', name, checked, id: `adm-${name}-${++ids}`, ...attrs });
  const wrap = h('div', { class: 'check' }, box, h('label', { for: box.id }, label));
  wrap.input = box;
  return wrap;
}

/** `{ 'zh-CN': value }` when a Chinese name is given, else `{}`. */
export const zhNames = (el) => (el.value.trim() ? { 'zh-CN': el.value.trim() } : {});

/** A number input's value: null when empty, so the API's defaults apply. */
export const numberOrNull = (el) => (el.value.trim() === '' ? null : Number(el.value));

/** A form that saves with its own button; errors show next to their fields. */
export function rowForm({ testid, fields, onSave, saveLabel = t('action.save'), done = t('account.saved'), extra = [] }) {
  const save = h('button', { type: 'submit', class: 'btn btn-secondary btn-small', 'data-testid': `${testid}-save` }, saveLabel);
  const form = h('form', { class: 'stack card admin-row', novalidate: true, 'data-testid': testid }, ...fields, h('div', { class: 'row wrap' }, save, ...extra));
  form.onsubmit = async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    setBusy(save, true);
    try { await onSave(); toast(done, { tone: 'success' }); } catch (err) { showFieldErrors(form, err); }
    setBusy(save, false);
  };
  return form;
}

/** A button that runs `action` once, busy meanwhile; errors go to the form around it. */
export function actionButton(label, testid, action, { tone = 'btn-ghost', confirmText } = {}) {
  const button = h('button', { type: 'button', class: `btn ${tone} btn-small`, 'data-testid': testid });
  button.append(label);
  button.onclick = async () => {
    if (confirmText && !window.confirm(confirmText)) return;
    const form = button.closest('form');
    if (form) clearFieldErrors(form);
    setBusy(button, true);
    try { await action(); } catch (err) { if (form) showFieldErrors(form, err); else toast(err.message, { tone: 'error' }); }
    setBusy(button, false);
  };
  return button;
}
