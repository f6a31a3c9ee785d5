// The proposals desk (staff): those held for review before publishing on top, then proposals
// waiting for an answer (under review first, then published), an official answer that accepts
// or rejects, and for accepted ones the cases that carry them out. The answer reaches the
// proposal's followers live (their notification).
import { h, icon, nextId, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { formatNumber } from '../format.js';
import { itemsOf } from '../components/case-card.js';
import { proposalStatus } from '../components/proposal-bits.js';
import { clearFieldErrors, emptyState, errorState, screenHeader, setBusy, showFieldErrors, skeletonList, toast } from '../ui.js';
import { deskNav, prepareDesk } from '../components/staff-kit.js';
import { reviewSection } from '../components/proposal-review.js';

const VIEWS = { review: 'under_review,published', accepted: 'accepted', done: 'implemented,rejected' };

export default async function staffProposals(ctx) {
  await prepareDesk(ctx);
  if (!ctx.isCurrent()) return;
  let view = VIEWS[ctx.query.get('view')] ? ctx.query.get('view') : 'review';
  const list = h('div', null, skeletonList(3));
  const tabs = h('div', { class: 'chips', role: 'group', 'aria-label': t('pdesk.viewLabel') }, Object.keys(VIEWS).map((key) => h('button', {
    type: 'button', class: 'chip-btn', 'aria-pressed': String(key === view), 'data-view': key, 'data-testid': `pdesk-view-${key}`,
    onclick: () => {
      view = key;
      history.replaceState(history.state, '', key === 'review' ? '/staff/proposals' : `/staff/proposals?view=${key}`);
      tabs.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.view === key)));
      load();
    },
  }, t(`pdesk.view.${key}`))));
  ctx.root.append(screenHeader(t('pdesk.title')), deskNav(ctx.user, 'proposals') || '', reviewSection({ signal: ctx.signal }), tabs, list);
  load();

  async function load() {
    replace(list, skeletonList(3));
    let page;
    try { page = await get('/proposals', { status: VIEWS[view], sort: 'supported', per_page: 50 }, { signal: ctx.signal }); } catch (e) {
      if (e.name !== 'AbortError') replace(list, errorState(e, { onRetry: load }));
      return;
    }
    if (!ctx.isCurrent()) return;
    const items = itemsOf(page);
    replace(list, items.length
      ? h('ul', { class: 'card-list', 'aria-label': t('pdesk.title'), 'data-testid': 'pdesk-list' }, items.map(item))
      : emptyState({ iconName: 'bulb', title: t('pdesk.emptyTitle'), text: t('pdesk.emptyText') }));
  }

  function item(p) {
    const li = h('li', { class: 'card pdesk-item', 'data-testid': 'pdesk-item', 'data-proposal-id': p.id });
    const paint = () => replace(li,
      h('p', { class: 'card-title' }, h('a', { href: `/proposals/${p.id}` }, p.title)),
      h('div', { class: 'card-meta' }, proposalStatus(p.status),
        h('span', { class: 'muted' }, icon('thumb-up'), t('proposal.supports', { count: p.supports || 0 })),
        h('span', { class: 'muted' }, icon('thumb-down'), formatNumber(p.opposes || 0))),
      h('p', { class: 'clip-3' }, p.body),
      p.official_answer ? h('p', { class: 'official small' }, icon('badge'), ' ', p.official_answer.body) : null,
      (p.linked_cases || []).length ? h('p', { class: 'small' }, t('pdesk.linked'), ' ',
        p.linked_cases.map((id, i) => [i ? ', ' : '', h('a', { href: `/staff/cases/${id}` }, `#${id}`)])) : null,
      ['published', 'under_review'].includes(p.status) ? answerForm(p, paint) : null,
      p.status === 'accepted' ? linkForm(p, paint) : null);
    paint();
    return li;
  }

  function answerForm(p, paint) {
    const name = nextId('decision');
    const bid = nextId('answer');
    let decision = 'accepted';
    const radio = (value, label) => {
      const id = nextId('d');
      return h('span', { class: 'check' }, h('input', { type: 'radio', id, name, value, checked: value === decision, 'data-testid': `decision-${value}`, onchange: () => { decision = value; } }), h('label', { for: id }, label));
    };
    const body = h('textarea', { id: bid, name: 'body', rows: 4, required: true, 'data-testid': 'answer-body' });
    const send = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'answer-send' }, icon('send'), t('pdesk.send'));
    const form = h('form', { class: 'answer-form', novalidate: true },
      h('fieldset', null, h('legend', null, t('pdesk.decision')), h('div', { class: 'row wrap' }, radio('accepted', t('pdesk.accept')), radio('rejected', t('pdesk.reject')))),
      h('div', { class: 'field' }, h('label', { for: bid }, t('pdesk.answer'), h('span', { class: 'hint' }, t('pdesk.answerHint'))), body),
      send);
    form.onsubmit = async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      if (!body.value.trim()) { showFieldErrors(form, { fields: { body: [t('form.requiredField')] } }); return; }
      setBusy(send, true);
      try {
        Object.assign(p, await post(`/proposals/${p.id}/answer`, { decision, body: body.value.trim() }, { signal: ctx.signal }));
        toast(t('pdesk.answered'), { tone: 'success' });
        paint();
      } catch (err) { if (err.name !== 'AbortError') { setBusy(send, false); showFieldErrors(form, err); } }
    };
    return form;
  }

  function linkForm(p, paint) {
    const id = nextId('cases');
    const input = h('input', { type: 'text', id, name: 'case_ids', inputmode: 'numeric', 'data-testid': 'link-cases', autocomplete: 'off' });
    const send = h('button', { type: 'submit', class: 'btn btn-secondary', 'data-testid': 'link-send' }, icon('check-circle'), t('pdesk.markImplemented'));
    const form = h('form', { class: 'link-form', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: id }, t('pdesk.cases'), h('span', { class: 'hint' }, t('pdesk.casesHint'))), input), send);
    form.onsubmit = async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      const ids = input.value.split(/[\s,]+/).map((s) => s.replace(/^#/, '')).filter(Boolean).map(Number);
      if (!ids.length || ids.some((n) => !Number.isInteger(n) || n <= 0)) { showFieldErrors(form, { fields: { case_ids: [t('pdesk.casesInvalid')] } }); return; }
      setBusy(send, true);
      try {
        Object.assign(p, await post(`/proposals/${p.id}/implemented`, { case_ids: ids }, { signal: ctx.signal }));
        toast(t('pdesk.implemented'), { tone: 'success' });
        paint();
      } catch (err) { if (err.name !== 'AbortError') { setBusy(send, false); showFieldErrors(form, err); } }
    };
    return form;
  }
}
