// What a person can do on a case: follow, "me too", report it to moderators, and for the
// reporter of a resolved case: confirm the fix, reopen it with a reason, rate the handling.
// Who may do what is read by caseViewer (one place).
import { h, icon, nextId, replace } from '../dom.js';
import { t } from '../i18n.js';
import { create, del, newKey, post } from '../api.js';
import { formatNumber } from '../format.js';
import { clearFieldErrors, errorMessage, setBusy, showFieldErrors, toast } from '../ui.js';
import { starsInput, starsShow } from './stars.js';
import { caseViewer } from '../case-viewer.js';
import { flagButton } from '../flag.js';

/** The payload's `viewer`, created if a live payload came without one. */
const viewerOf = (kase) => (kase.viewer ||= {});

function followButton(kase, user, signal) {
  if (!caseViewer(kase, user).mayFollow) {
    return h('a', { class: 'btn btn-secondary', href: `/login?next=${encodeURIComponent(location.pathname)}` }, icon('bookmark'), t('case.follow'));
  }
  const btn = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'follow' });
  const paint = () => {
    const { following } = caseViewer(kase, user);
    btn.setAttribute('aria-pressed', String(following));
    replace(btn, icon('bookmark'), following ? t('case.following') : t('case.follow'));
  };
  btn.onclick = async () => {
    setBusy(btn, true);
    try {
      const call = caseViewer(kase, user).following ? del : post;
      viewerOf(kase).following = (await call(`/cases/${kase.id}/follow`, undefined, { signal })).following;
      paint();
    } catch (e) { toast(errorMessage(e), { tone: 'error' }); }
    setBusy(btn, false);
  };
  paint();
  return btn;
}

function meTooButton(kase, user, signal, onSupported) {
  const count = h('span', { class: 'muted' }, kase.supporters ? t('case.supporters', { count: kase.supporters, n: formatNumber(kase.supporters) }) : '');
  const { maySupport, supporting } = caseViewer(kase, user);
  if (!maySupport) return count;
  const btn = h('button', { type: 'button', class: 'btn btn-secondary', 'aria-pressed': String(supporting), disabled: supporting, 'data-testid': 'me-too' },
    icon('plus'), t('case.meToo'));
  btn.onclick = async () => {
    setBusy(btn, true);
    try {
      const state = await create(`/cases/${kase.id}/support`, undefined, { signal });
      Object.assign(viewerOf(kase), { supporting: true, following: true }); // support also follows
      kase.supporters = state?.supporters ?? (kase.supporters || 0) + 1;
      count.textContent = t('case.supporters', { count: kase.supporters, n: formatNumber(kase.supporters) });
      btn.setAttribute('aria-pressed', 'true');
      toast(t('case.meTooThanks'), { tone: 'success' });
    } catch (e) { toast(errorMessage(e), { tone: 'error' }); setBusy(btn, false); return; }
    btn.removeAttribute('aria-busy');
    onSupported?.();
  };
  return h('span', { class: 'row' }, btn, count);
}

function confirmOrReopen(kase, signal, onChanged, { mayConfirm, mayReopen }) {
  const reasonId = nextId('reason');
  const reason = h('textarea', { id: reasonId, name: 'reason', rows: 3, required: true, 'data-testid': 'reopen-reason' });
  const reopenForm = h('form', { class: 'reopen-form', hidden: true, novalidate: true },
    h('div', { class: 'field' }, h('label', { for: reasonId }, t('loop.reopenReason')), reason),
    h('button', { type: 'submit', class: 'btn btn-danger', 'data-testid': 'reopen-send' }, t('loop.reopenSend')));
  const confirm = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'confirm-fix' }, icon('check'), t('loop.confirm'));
  const reopen = h('button', { type: 'button', class: 'btn btn-secondary', 'aria-expanded': 'false', 'data-testid': 'reopen' }, icon('refresh'), t('loop.reopen'));
  const card = h('section', { class: 'card loop-card', 'aria-labelledby': 'loop-h' },
    h('h2', { id: 'loop-h' }, t('loop.question')), h('p', { class: 'muted' }, t('loop.explain')),
    h('div', { class: 'row wrap' }, mayConfirm ? confirm : null, mayReopen ? reopen : null), reopenForm);
  const transition = async (body, button, form) => {
    setBusy(button, true);
    try {
      await post(`/cases/${kase.id}/transitions`, body, { signal });
      onChanged();
    } catch (e) {
      if (form) showFieldErrors(form, e); else toast(errorMessage(e), { tone: 'error' });
      setBusy(button, false);
    }
  };
  confirm.onclick = () => transition({ action: 'confirm' }, confirm);
  reopen.onclick = () => {
    reopenForm.hidden = !reopenForm.hidden;
    reopen.setAttribute('aria-expanded', String(!reopenForm.hidden));
    if (!reopenForm.hidden) reason.focus();
  };
  reopenForm.onsubmit = (e) => {
    e.preventDefault();
    clearFieldErrors(reopenForm);
    if (!reason.value.trim()) { showFieldErrors(reopenForm, { fields: { reason: [t('form.requiredField')] } }); return; }
    transition({ action: 'reopen', reason: reason.value.trim() }, reopenForm.querySelector('button'), reopenForm);
  };
  return card;
}

function rating(kase, signal) {
  const done = kase.rating;
  if (done && done.score) {
    return h('section', { class: 'card', 'data-testid': 'rating-done' }, h('h2', null, t('rating.thanks')), starsShow(done.score), done.comment ? h('p', null, done.comment) : null);
  }
  let stars = 0;
  const key = newKey();
  const commentId = nextId('rating');
  const comment = h('textarea', { id: commentId, name: 'comment', rows: 2 });
  const send = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'rating-send' }, t('rating.send'));
  const form = h('form', { class: 'card rating-form', novalidate: true },
    h('h2', null, t('rating.title')),
    starsInput({ onChange: (n) => { stars = n; } }),
    h('div', { class: 'field' }, h('label', { for: commentId }, t('rating.comment'), h('span', { class: 'hint' }, t('form.optional'))), comment),
    send);
  form.onsubmit = async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    if (!stars) { showFieldErrors(form, { fields: { stars: [t('rating.needStars')] } }); return; }
    setBusy(send, true);
    try {
      const body = { score: stars, comment: comment.value.trim() || undefined };
      kase.rating = (await create(`/cases/${kase.id}/rating`, body, { key, signal })) || body;
      form.replaceWith(rating(kase, signal));
    } catch (err) { showFieldErrors(form, err); setBusy(send, false); }
  };
  return form;
}

/** caseActions({kase, user, signal, onChanged}) -> element */
export function caseActions({ kase, user, signal, onChanged }) {
  const can = caseViewer(kase, user);
  const follow = followButton(kase, user, signal);
  const repaintFollow = () => follow.replaceWith(followButton(kase, user, signal));
  return h('div', null,
    h('div', { class: 'row wrap action-row' }, follow, meTooButton(kase, user, signal, repaintFollow),
      can.mayFlag || !user ? flagButton({ targetType: 'case', targetId: kase.id, user }) : null),
    can.mayConfirm || can.mayReopen ? confirmOrReopen(kase, signal, onChanged, can) : null,
    can.mayRate ? rating(kase, signal) : null);
}
