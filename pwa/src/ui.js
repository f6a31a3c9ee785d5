// Shared pieces of screens: headers, honest empty/error/loading states, toasts, form errors.
import { h, icon, nextId } from './dom.js';
import { t } from './i18n.js';
import { cachedAt } from './api.js';
import { formatDateTime } from './format.js';
import { canGoBack, navigate } from './router.js';

export function screenHeader(title, { back, actions } = {}) {
  return h('header', { class: 'screen-head' },
    back ? backLink(back) : null,
    h('h1', { tabindex: '-1' }, title),
    actions ? h('div', { class: 'screen-actions' }, actions) : null);
}

export function backLink(fallback) {
  return h('a', {
    href: fallback, class: 'icon-btn back', 'aria-label': t('action.back'),
    onclick: (e) => { if (canGoBack()) { e.preventDefault(); history.back(); } },
  }, icon('arrow-left'));
}

export function emptyState({ iconName = 'info', title, text, action }) {
  return h('div', { class: 'state empty', 'data-testid': 'empty-state' },
    icon(iconName, { size: 40 }),
    h('p', { class: 'state-title' }, title),
    text ? h('p', null, text) : null,
    action ? h('a', { href: action.href, class: 'btn btn-primary' }, action.label) : null);
}

export function errorMessage(e) {
  if (!e) return t('error.generic');
  if (e.status === 0) return t('error.offline');
  if (e.status === 401) {
    // Only "you are not signed in" means "sign in"; a refused sign-in says why (in the UI's language).
    if (e.code === 'invalid_credentials') return t('error.invalidCredentials');
    return e.code === 'unauthorized' || !e.message || e.message.startsWith('HTTP ') ? t('error.signin') : e.message;
  }
  if (e.status === 403) return t('error.forbidden');
  if (e.status === 404) return t('error.notFound');
  if (e.status === 409) return e.message && e.message !== 'HTTP 409' ? e.message : t('error.conflict');
  if (e.status === 413) return t('error.tooLarge');
  if (e.status === 429) return t('error.rateLimited');
  if (e.status >= 500) return t('error.server');
  if (e.status && e.message && !e.message.startsWith('HTTP ')) return e.message;
  return t('error.generic');
}

/** An error with what to do next; `what` replaces the generic text for a 404 (e.g. a list). */
/** "Not allowed": what a screen shows a person whose role does not open it. */
export function forbiddenState() {
  return [screenHeader(t('error.forbiddenTitle')), emptyState({ iconName: 'lock', title: t('error.forbidden'), action: { href: '/', label: t('nav.home') } })];
}

export function errorState(e, { onRetry, what } = {}) {
  const text = what && e && e.status !== 0 && e.status !== 401 && e.status !== 403 ? what : errorMessage(e);
  return h('div', { class: 'state error', role: 'alert', 'data-testid': 'error-state' },
    icon(e && e.status === 0 ? 'cloud-off' : 'alert', { size: 40 }),
    h('p', { class: 'state-title' }, text),
    e && e.status === 0 ? h('p', null, t('error.offlineHint')) : null,
    onRetry ? h('button', { type: 'button', class: 'btn btn-secondary', onclick: onRetry }, icon('refresh'), t('action.retry')) : null);
}

export function skeletonList(rows = 4) {
  return h('div', { class: 'skeleton-wrap' },
    h('p', { class: 'visually-hidden', role: 'status' }, t('state.loading')),
    h('ul', { class: 'skeleton-list', 'aria-hidden': 'true' },
      Array.from({ length: rows }, () => h('li', { class: 'skeleton-card' },
        h('span', { class: 'sk sk-thumb' }), h('span', { class: 'sk-lines' }, h('span', { class: 'sk sk-line' }), h('span', { class: 'sk sk-line short' }))))));
}

/** "Offline: showing a copy from 10:42" when the worker answered from its cache. */
export function cachedNotice(data) {
  const at = cachedAt(data);
  return at ? h('p', { class: 'notice', role: 'status' }, icon('cloud-off'), t('state.cachedCopy', { time: formatDateTime(at) })) : null;
}

let toastRegion = null;
export function setToastRegion(el) { toastRegion = el; }

/** A short message above the bottom bar; an optional action button. */
export function toast(text, { actionLabel, onAction, timeout = 6000, tone = 'info' } = {}) {
  if (!toastRegion) return null;
  const el = h('div', { class: `toast toast-${tone}`, 'data-testid': 'toast' }, h('span', null, text));
  const close = () => el.remove();
  if (actionLabel) el.append(h('button', { type: 'button', class: 'btn btn-small', onclick: () => { close(); onAction(); } }, actionLabel));
  el.append(h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('action.close'), onclick: close }, icon('x')));
  toastRegion.append(el);
  if (timeout) setTimeout(close, timeout);
  return close;
}

export function clearFieldErrors(form) {
  form.querySelectorAll('.field-error, .form-error').forEach((el) => el.remove());
  form.querySelectorAll('[aria-invalid]').forEach((el) => {
    el.removeAttribute('aria-invalid');
    const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter((id) => !id.startsWith('err-'));
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' ')); else el.removeAttribute('aria-describedby');
  });
}

/** Show an ApiError: each `fields` message under its input, the rest at the top of the form. */
export function showFieldErrors(form, error) {
  clearFieldErrors(form);
  const general = [];
  let first = null;
  for (const [name, messages] of Object.entries(error.fields || {})) {
    const text = [].concat(messages).join(' ');
    const key = CSS.escape(name);
    const box = form.querySelector(`[data-field="${key}"]`);
    const input = box || form.querySelector(`[name="${key}"]`);
    if (!input) { general.push(text); continue; }
    const id = nextId('err');
    if (!box) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby') || ''} ${id}`.trim());
    }
    const field = box || input.closest('.field') || input.parentElement;
    field.append(h('p', { class: 'field-error', id }, icon('alert'), text));
    first ||= input;
  }
  if (!Object.keys(error.fields || {}).length || general.length) {
    const box = h('div', { class: 'form-error', role: 'alert', tabindex: '-1' }, icon('alert'),
      h('span', null, general.length ? general.join(' ') : errorMessage(error)));
    form.prepend(box);
    if (!first) box.focus();
  }
  if (first) first.focus();
}

/** A labelled input with an optional hint. */
export function field({ label, hint, input }) {
  const id = input.id || nextId('f');
  input.id = id;
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  return h('div', { class: 'field' }, h('label', { for: id }, label), hint ? h('p', { class: 'hint', id: hintId }, hint) : null, input);
}

export function setBusy(button, busy) {
  button.disabled = busy;
  if (busy) button.setAttribute('aria-busy', 'true'); else button.removeAttribute('aria-busy');
}

export const goTo = (href) => navigate(href);
