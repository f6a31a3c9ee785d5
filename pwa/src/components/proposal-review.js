// Proposals held for review (the city's "review before publishing" setting): volunteers on
// the moderation desk and staff on the proposals desk publish each one or decline it with a
// reason its author reads. Shown only while something waits.
import { h, icon, nextId, replace } from '../dom.js';
import { t } from '../i18n.js';
import { create, get } from '../api.js';
import { clearFieldErrors, errorState, setBusy, showFieldErrors, toast } from '../ui.js';
import { itemsOf } from './case-card.js';

function reviewItem(p, signal, onDone) {
  const rid = nextId('decline');
  const reason = h('textarea', { id: rid, name: 'reason', rows: 2, maxlength: 2000, 'data-testid': 'review-reason' });
  const approve = h('button', { type: 'button', class: 'btn btn-primary btn-small', 'data-testid': 'review-approve' }, icon('check'), t('review.approve'));
  const decline = h('button', { type: 'submit', class: 'btn btn-danger btn-small', 'data-testid': 'review-decline' }, icon('x'), t('review.decline'));
  const form = h('form', { class: 'stack', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: rid }, t('review.reason'), h('span', { class: 'hint' }, t('review.reasonHint'))), reason),
    h('div', { class: 'row wrap' }, approve, decline));
  const li = h('li', { class: 'card', 'data-testid': 'review-item', 'data-proposal-id': p.id },
    h('p', { class: 'card-title' }, h('a', { href: `/proposals/${p.id}` }, p.title)),
    p.author ? h('p', { class: 'muted small' }, t('proposal.by', { name: p.author.display_name })) : null,
    h('p', { class: 'clip-3' }, p.body), form);
  const send = async (decision, button) => {
    clearFieldErrors(form);
    if (decision === 'decline' && !reason.value.trim()) { showFieldErrors(form, { fields: { reason: [t('review.reasonNeeded')] } }); return; }
    setBusy(button, true);
    try {
      await create(`/proposals/${p.id}/review`, decision === 'decline' ? { decision, reason: reason.value.trim() } : { decision }, { signal });
      toast(t(decision === 'approve' ? 'review.approved' : 'review.declined'), { tone: 'success' });
      li.remove();
      onDone();
    } catch (err) { if (err.name !== 'AbortError') { setBusy(button, false); showFieldErrors(form, err); } }
  };
  approve.onclick = () => send('approve', approve);
  form.onsubmit = (e) => { e.preventDefault(); send('decline', decline); };
  return li;
}

/** A section listing the proposals that wait for review; hidden while none does. */
export function reviewSection({ signal }) {
  const section = h('section', { class: 'review-queue', 'aria-labelledby': 'review-h', 'data-testid': 'review-queue', hidden: true });
  async function load() {
    let page;
    try { page = await get('/proposals', { status: 'pending', sort: 'new', per_page: 20 }, { signal }); } catch (e) {
      if (e.name !== 'AbortError') { section.hidden = false; replace(section, errorState(e, { onRetry: load })); }
      return;
    }
    const items = itemsOf(page);
    const list = h('ul', { class: 'card-list' });
    const count = h('h2', { id: 'review-h' }, icon('clock'), t('review.title', { count: items.length }));
    const left = () => {
      const n = list.childElementCount;
      section.hidden = n === 0;
      count.replaceChildren(icon('clock'), t('review.title', { count: n }));
    };
    list.append(...items.map((p) => reviewItem(p, signal, left)));
    replace(section, count, h('p', { class: 'muted' }, t('review.text')), list);
    section.hidden = !items.length;
  }
  load();
  return section;
}
