// Proposals: sort by new, most supported, or near me; filter by topic; a button to write one.
import { h, icon } from '../dom.js';
import { localName, t } from '../i18n.js';
import { screenHeader, toast } from '../ui.js';
import { pagedList } from '../components/paged-list.js';
import { proposalCard } from '../components/proposal-bits.js';
import { getPosition } from '../geo.js';
import { get } from '../api.js';

const SORTS = ['new', 'supported', 'near'];

export default function proposals(ctx) {
  let sort = SORTS.includes(ctx.query.get('sort')) ? ctx.query.get('sort') : 'new';
  let near;
  let topic = ctx.query.get('topic') || '';
  const newBtn = h('a', { class: 'btn btn-primary btn-small', href: '/proposals/new', 'data-testid': 'new-proposal' }, icon('plus'), t('proposals.new'));
  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': t('proposals.sortLabel') }, SORTS.map((key) => h('button', {
    type: 'button', class: 'chip-btn', 'aria-pressed': String(key === sort), 'data-sort': key, onclick: () => setSort(key),
  }, key === 'near' ? icon('locate') : null, t(`proposals.sort.${key}`))));
  const topics = h('div', { class: 'chips', role: 'group', 'aria-label': t('proposals.topicLabel'), 'data-testid': 'topic-chips' });
  const query = () => ({ sort, near: sort === 'near' ? near : undefined, topic: topic || undefined, per_page: 20 });
  const list = pagedList({
    path: '/proposals', query: { sort: sort === 'near' ? 'new' : sort, topic: topic || undefined, per_page: 20 }, signal: ctx.signal,
    label: t('proposals.title'), testid: 'proposal-list', renderItem: proposalCard,
    empty: { iconName: 'bulb', title: t('proposals.emptyTitle'), text: t('proposals.emptyText'), action: { href: '/proposals/new', label: t('proposals.new') } },
  });
  ctx.root.append(screenHeader(t('proposals.title'), { actions: newBtn }), chips, topics, list.el);

  get('/proposals/topics', null, { signal: ctx.signal }).then((data) => {
    const chip = (code, label) => h('button', {
      type: 'button', class: 'chip-btn', 'aria-pressed': String(code === topic), 'data-topic': code, onclick: () => setTopic(code),
    }, label);
    topics.append(chip('', t('proposals.allTopics')), ...(data.items || []).map((item) => chip(item.code, localName(item))));
  }).catch(() => topics.remove());

  function setUrl() {
    const params = new URLSearchParams({ sort });
    if (topic) params.set('topic', topic);
    history.replaceState(history.state, '', `/proposals?${params}`);
  }

  function setTopic(code) {
    topic = code;
    setUrl();
    topics.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.topic === code)));
    list.reload(query());
  }

  async function setSort(key) {
    if (key === 'near' && !near) {
      try {
        const pos = await getPosition();
        near = `${pos.lat},${pos.lon}`;
      } catch (e) {
        toast(e.message === 'denied' ? t('geo.denied') : t('geo.unavailable'), { tone: 'error' });
        return;
      }
    }
    sort = key;
    setUrl();
    chips.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.sort === key)));
    list.reload(query());
  }
  if (sort === 'near') { sort = 'new'; setSort('near'); }
}
