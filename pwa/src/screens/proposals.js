// Proposals: sort by new, most supported, or near me; a button to write one.
import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { screenHeader, toast } from '../ui.js';
import { pagedList } from '../components/paged-list.js';
import { proposalCard } from '../components/proposal-bits.js';
import { getPosition } from '../geo.js';

const SORTS = ['new', 'supported', 'near'];

export default function proposals(ctx) {
  let sort = SORTS.includes(ctx.query.get('sort')) ? ctx.query.get('sort') : 'new';
  let near;
  const newBtn = h('a', { class: 'btn btn-primary btn-small', href: '/proposals/new', 'data-testid': 'new-proposal' }, icon('plus'), t('proposals.new'));
  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': t('proposals.sortLabel') }, SORTS.map((key) => h('button', {
    type: 'button', class: 'chip-btn', 'aria-pressed': String(key === sort), 'data-sort': key, onclick: () => setSort(key),
  }, key === 'near' ? icon('locate') : null, t(`proposals.sort.${key}`))));
  const list = pagedList({
    path: '/proposals', query: { sort: sort === 'near' ? 'new' : sort, per_page: 20 }, signal: ctx.signal,
    label: t('proposals.title'), testid: 'proposal-list', renderItem: proposalCard,
    empty: { iconName: 'bulb', title: t('proposals.emptyTitle'), text: t('proposals.emptyText'), action: { href: '/proposals/new', label: t('proposals.new') } },
  });
  ctx.root.append(screenHeader(t('proposals.title'), { actions: newBtn }), chips, list.el);

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
    history.replaceState(history.state, '', `/proposals?sort=${key}`);
    chips.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.sort === key)));
    list.reload({ sort: key, near: key === 'near' ? near : undefined, per_page: 20 });
  }
  if (sort === 'near') { sort = 'new'; setSort('near'); }
}
