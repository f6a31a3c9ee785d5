// A proposal: text, support/oppose (changeable, withdrawable), official answer, follow, comments.
import { h, icon, replace } from '../dom.js';
import { t } from '../i18n.js';
import { del, get, post, put } from '../api.js';
import { formatDateTime, formatNumber, relativeTime } from '../format.js';
import { cachedNotice, errorMessage, errorState, field, screenHeader, setBusy, skeletonList, toast } from '../ui.js';

const FLAG_REASONS = ['spam', 'abuse', 'personal_data', 'off_topic', 'other'];
import { proposalStatus, topicName } from '../components/proposal-bits.js';
import { commentsSection } from '../components/comments.js';
import { flash } from '../components/timeline.js';

export default async function proposalScreen(ctx) {
  const { id } = ctx.params;
  const user = ctx.user;
  const main = h('div', { class: 'proposal' }, skeletonList(3));
  ctx.root.append(screenHeader(t('proposal.title'), { back: '/proposals' }), main);
  let p;
  try { p = await get(`/proposals/${id}`, null, { signal: ctx.signal }); } catch (e) {
    if (e.name !== 'AbortError') replace(main, errorState(e, { onRetry: () => ctx.navigate(location.pathname, { replace: true }) }));
    return;
  }
  if (!ctx.isCurrent()) return;
  ctx.root.querySelector('h1').textContent = p.title;
  document.title = `${p.title} · CityLoop`;

  const votes = h('div', { class: 'votes', role: 'group', 'aria-label': t('proposal.voteLabel'), 'data-testid': 'votes' });
  const answer = h('div');
  const follow = h('div');
  const review = h('div');
  const flag = h('div');
  const comments = commentsSection({ base: `/proposals/${id}`, user, signal: ctx.signal, title: t('proposal.discussion') });
  replace(main, 
    cachedNotice(p) || '',
    h('div', { class: 'row wrap', 'data-testid': 'proposal-meta' }, proposalStatus(p.status), h('span', { class: 'muted', 'data-testid': 'proposal-topic' }, topicName(p))),
    review,
    h('p', { class: 'muted small' }, t('proposal.by', { name: p.author?.display_name || t('comments.anonymous') }), ' · ',
      h('time', { datetime: p.created_at, title: formatDateTime(p.created_at) }, relativeTime(p.created_at))),
    h('div', { class: 'proposal-body' }, String(p.body || '').split(/\n{2,}/).map((para) => h('p', null, para))),
    votes, answer, h('div', { class: 'row wrap' }, follow, flag), comments.el);

  const OPEN = ['published', 'under_review'];
  const own = () => !!p.viewer?.is_author && OPEN.includes(p.status);

  function renderVotes(changed) {
    if (!['published', 'under_review', 'accepted', 'rejected', 'implemented'].includes(p.status)) { replace(votes); return; }
    const canVote = !!p.viewer?.can_vote;
    const button = (value, iconName) => {
      const pressed = p.my_vote === value;
      const count = value === 'support' ? p.supports : p.opposes;
      const b = h('button', { type: 'button', class: `btn vote vote-${value}`, 'aria-pressed': String(pressed), 'data-testid': `vote-${value}`, disabled: !canVote },
        icon(iconName), h('span', null, t(`proposal.${value}`)), h('span', { class: 'count' }, formatNumber(count || 0)));
      b.onclick = () => vote(pressed ? null : value, b);
      return b;
    };
    replace(votes, button('support', 'thumb-up'), button('oppose', 'thumb-down'),
      user ? null : h('p', { class: 'signin-hint' }, h('a', { href: `/login?next=${encodeURIComponent(location.pathname)}` }, t('proposal.signInToVote'))),
      own() ? h('p', { class: 'muted small', 'data-testid': 'own-proposal' }, t('proposal.ownNoVote')) : null);
    if (changed) flash(votes);
  }

  async function vote(value, button) {
    setBusy(button, true);
    try {
      const res = value ? await put(`/proposals/${id}/vote`, { value }, { signal: ctx.signal }) : await del(`/proposals/${id}/vote`, undefined, { signal: ctx.signal });
      if (res && res.supports != null) Object.assign(p, res);
      else {
        const was = p.my_vote;
        if (was === 'support') p.supports--; if (was === 'oppose') p.opposes--;
        if (value === 'support') p.supports++; if (value === 'oppose') p.opposes++;
        p.my_vote = value;
      }
      renderVotes();
    } catch (e) { toast(errorMessage(e), { tone: 'error' }); setBusy(button, false); }
  }

  function renderAnswer() {
    const a = p.official_answer;
    const text = a && (typeof a === 'string' ? a : a.body);
    replace(answer, ...(text ? [h('section', { class: 'card official', 'aria-labelledby': 'answer-h' },
      h('h2', { id: 'answer-h' }, icon('badge'), t('proposal.officialAnswer')), h('p', null, text),
      a.author ? h('p', { class: 'muted small' }, a.author.display_name) : null)] : []));
  }

  function renderFollow() {
    if (!user) { replace(follow); return; }
    const b = h('button', { type: 'button', class: 'btn btn-secondary', 'aria-pressed': String(!!p.following), 'data-testid': 'follow' },
      icon('bookmark'), p.following ? t('case.following') : t('case.follow'));
    b.onclick = async () => {
      setBusy(b, true);
      try {
        if (p.following) await del(`/proposals/${id}/follow`); else await post(`/proposals/${id}/follow`);
        p.following = !p.following;
        renderFollow();
      } catch (e) { toast(errorMessage(e), { tone: 'error' }); setBusy(b, false); }
    };
    replace(follow, b);
  }

  function renderReview() {
    const actions = p.viewer?.actions || [];
    const parts = [];
    if (p.status === 'pending') parts.push(h('p', { class: 'notice', 'data-testid': 'pending-notice' }, icon('clock'), t('proposal.pendingNotice')));
    if (p.status === 'declined') {
      parts.push(h('p', { class: 'notice', 'data-testid': 'declined-notice' }, icon('x-circle'), t('proposal.declinedNotice')),
        p.decline_reason ? h('p', { 'data-testid': 'decline-reason' }, t('modlog.reason', { reason: p.decline_reason })) : null);
    }
    if (actions.includes('approve')) {
      const reason = h('textarea', { name: 'reason', rows: 2, maxlength: 500, 'data-testid': 'decline-reason-input' });
      const approve = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'review-approve' }, icon('check'), t('proposal.approve'));
      const decline = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'review-decline' }, icon('x-circle'), t('proposal.decline'));
      const send = async (button, body) => {
        setBusy(button, true);
        try { Object.assign(p, await post(`/proposals/${id}/review`, body)); renderAll(); } catch (e) { toast(errorMessage(e), { tone: 'error' }); setBusy(button, false); }
      };
      approve.onclick = () => send(approve, { decision: 'approve' });
      decline.onclick = () => {
        if (!reason.value.trim()) { toast(t('proposal.declineNeedsReason'), { tone: 'error' }); reason.focus(); return; }
        send(decline, { decision: 'decline', reason: reason.value.trim() });
      };
      parts.push(h('section', { class: 'card', 'aria-labelledby': 'review-h', 'data-testid': 'review-panel' }, h('h2', { id: 'review-h' }, t('proposal.reviewTitle')),
        field({ label: t('proposal.declineReason'), input: reason }), h('div', { class: 'row wrap' }, approve, decline)));
    }
    replace(review, ...parts);
  }

  // Reporting the proposal to the moderators: the reasons the API knows, in one small form.
  function renderFlag() {
    if (!user || !['published', 'under_review', 'accepted', 'rejected', 'implemented'].includes(p.status)) { replace(flag); return; }
    const open = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'flag-proposal' }, icon('alert'), t('proposalFlag.action'));
    open.onclick = () => {
      const select = h('select', { name: 'reason', 'data-testid': 'flag-reason' },
        ...FLAG_REASONS.map((r) => h('option', { value: r }, t(`proposalFlag.reason.${r}`))));
      const text = h('textarea', { name: 'text', rows: 2, maxlength: 500, 'data-testid': 'flag-text' });
      const send = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'flag-send' }, icon('send'), t('proposalFlag.send'));
      const form = h('form', { class: 'stack card', 'data-testid': 'flag-form' },
        field({ label: t('proposalFlag.reasonLabel'), input: select }), field({ label: t('proposalFlag.textLabel'), input: text }), send);
      form.onsubmit = async (e) => {
        e.preventDefault();
        setBusy(send, true);
        try {
          await post('/flags', { target_type: 'proposal', target_id: Number(id), reason: select.value, ...(text.value.trim() ? { text: text.value.trim() } : {}) });
          replace(flag, h('p', { class: 'muted', role: 'status', 'data-testid': 'flag-done' }, t('proposalFlag.done')));
        } catch (err) { setBusy(send, false); toast(errorMessage(err), { tone: 'error' }); }
      };
      replace(flag, form);
      select.focus();
    };
    replace(flag, open);
  }

  function renderAll() {
    ctx.root.querySelector('.proposal .pstatus')?.replaceWith(proposalStatus(p.status));
    renderReview();
    renderVotes();
    renderAnswer();
    renderFollow();
    renderFlag();
  }

  renderAll();

  const live = await import('../live.js');
  if (!ctx.isCurrent()) return;
  ctx.onCleanup(live.subscribe(`proposal:${id}`, (type, data) => {
    if (type === 'proposal.updated') {
      const next = data.proposal || data;
      const { my_vote: _mine, ...shared } = next;
      Object.assign(p, shared);
      if (p.viewer && !OPEN.includes(p.status)) p.viewer.can_vote = false; // voting closed
      renderReview();
      renderVotes(true);
      renderAnswer();
    } else if (type === 'proposal.comment') comments.apply(data.comment ? data : { change: 'created', comment: data });
  }));
}
