// A list that loads page by page: skeleton first, then items, an empty state, or an error with
// a retry; "Load more" while the total says there is more.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { cachedNotice, emptyState, errorState, skeletonList } from '../ui.js';
import { itemsOf } from './case-card.js';
import { moreAfter } from '../paging.js';

/**
 * pagedList({path, query, renderItem, empty, signal, label, autoload}) -> {el, reload(query)}
 * renderItem(item) must return an <li>. With `autoload: false` it shows its skeleton until the
 * first reload(query) (for a screen that must work out its query first).
 */
export function pagedList({ path, query = {}, renderItem, empty, signal, label, testid = 'list', autoload = true }) {
  const el = h('div', { class: 'paged-list' });
  let current = query;
  let page = 1;
  let seq = 0;

  async function load(reset) {
    const mine = ++seq;
    if (reset) { page = 1; replace(el, skeletonList()); }
    let data;
    try {
      data = await get(path, { ...current, page }, { signal });
    } catch (e) {
      if (e.name === 'AbortError' || mine !== seq) return;
      if (reset) replace(el, errorState(e, { onRetry: () => load(true), what: e.status === 404 || e.status >= 500 ? t('error.list') : null }));
      else el.querySelector('.more')?.replaceWith(errorState(e, { onRetry: () => load(false) }));
      return;
    }
    if (mine !== seq) return;
    const items = itemsOf(data);
    if (reset) {
      replace(el);
      const notice = cachedNotice(data);
      if (notice) el.append(notice);
      if (!items.length) { el.append(emptyState(empty)); return; }
      el.append(h('ul', { class: 'card-list', 'aria-label': label, 'data-testid': testid }));
    }
    el.querySelector('.more')?.remove();
    el.querySelector('.state.error')?.remove();
    const list = el.querySelector('ul.card-list');
    items.forEach((item) => list.append(renderItem(item)));
    const more = moreAfter(data, list.children.length, items.length);
    if (more) {
      el.append(h('button', { type: 'button', class: 'btn btn-secondary more', onclick: (e) => { e.currentTarget.disabled = true; page++; load(false); } },
        t('action.loadMore', { count: more })));
    }
  }

  if (autoload) load(true);
  else replace(el, skeletonList());
  return { el, reload: (q) => { current = q ?? current; return load(true); }, prepend };

  function prepend(li) {
    const ul = el.querySelector('ul.card-list');
    if (ul) ul.prepend(li); else load(true);
  }
}
