// A proposal: text, support/oppose (changeable, withdrawable), official answer, follow, comments.
import { h, icon, replace } from '../dom.js';
import { localName, t } from '../i18n.js';
import { del, get, post, put } from '../api.js';
import { formatDateTime, formatNumber, relativeTime } from '../format.js';
import { cachedNotice, errorMessage, errorState, screenHeader, setBusy, skeletonList, toast } from '../ui.js';
import { proposalStatus } from '../components/proposal-bits.js';
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
  const comments = commentsSection({ base: `/proposals/${id}`, user, signal: ctx.signal, title: t('proposal.discussion') });
  replace(main, 
    cachedNotice(p) || '',
    h('div', { class: 'row wrap' }, proposalStatus(p.status), h('span', { class: 'muted' }, localName(p.category) || p.category || '')),
    h('p', { class: 'muted small' }, t('proposal.by', { name: p.author?.display_name || t('comments.anonymous') }), ' · ',
      h('time', { datetime: p.created_at, title: formatDateTime(p.created_at) }, relativeTime(p.created_at))),
    h('div', { class: 'proposal-body' }, String(p.body || '').split(/\n{2,}/).map((para) => h('p', null, para))),
    votes, answer, follow, comments.el);

  function renderVotes(changed) {
    const button = (value, iconName) => {
      const pressed = p.my_vote === value;
      const count = value === 'support' ? p.supports : p.opposes;
      const b = h('button', { type: 'button', class: `btn vote vote-${value}`, 'aria-pressed': String(pressed), 'data-testid': `vote-${value}`, disabled: !user },
        icon(iconName), h('span', null, t(`proposal.${value}`)), h('span', { class: 'count' }, formatNumber(count || 0)));
      b.onclick = () => vote(pressed ? null : value, b);
      return b;
    };
    replace(votes, button('support', 'thumb-up'), button('oppose', 'thumb-down'),
      user ? null : h('p', { class: 'signin-hint' }, h('a', { href: `/login?next=${encodeURIComponent(location.pathname)}` }, t('proposal.signInToVote'))));
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

  renderVotes();
  renderAnswer();
  renderFollow();

  const live = await import('../live.js');
  if (!ctx.isCurrent()) return;
  ctx.onCleanup(live.subscribe(`proposal:${id}`, (type, data) => {
    if (type === 'proposal.updated') {
      const next = data.proposal || data;
      const { my_vote: _mine, ...shared } = next;
      Object.assign(p, shared);
      renderVotes(true);
      renderAnswer();
    } else if (type === 'proposal.comment') comments.apply(data.comment ? data : { change: 'created', comment: data });
  }));
}
