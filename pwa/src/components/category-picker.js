// Category picker: a search box over radio buttons, recent choices first, a short list until asked.
import { h, icon, nextId, replace } from '../dom.js';
import { localName, t } from '../i18n.js';
import { orderCategories } from '../incident-area.js';

const SHORT = 8;

/**
 * categoryPicker({categories, value, recent, first, onChange(category)}) -> {el}
 * `first`: the codes an active incident here asks for (emergency mode), listed before the recent ones.
 */
export function categoryPicker({ categories, value, recent, first = [], onChange }) {
  const name = 'category';
  let query = '';
  let showAll = false;
  const ordered = orderCategories(categories, [...first, ...recent.filter((code) => !first.includes(code))]);
  const search = h('input', {
    type: 'search', id: nextId('cat-search'), autocomplete: 'off', enterkeyhint: 'search', 'data-testid': 'category-search',
    oninput: (e) => { query = e.target.value.trim().toLowerCase(); render(); },
  });
  const list = h('ul', { class: 'option-list', 'data-testid': 'category-list' });
  const more = h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => { showAll = true; render(); } });
  const none = h('p', { class: 'muted', role: 'status' });

  function matches(c) {
    if (!query) return true;
    return `${localName(c)} ${c.name} ${c.description || ''} ${c.code}`.toLowerCase().includes(query);
  }

  function render() {
    let shown = ordered.filter(matches);
    const hidden = !query && !showAll && shown.length > SHORT ? shown.length - SHORT : 0;
    if (hidden) {
      const short = shown.slice(0, SHORT);
      const selected = shown.find((c) => c.code === value);
      if (selected && !short.includes(selected)) short.push(selected);
      shown = short;
    }
    replace(list, ...shown.map((c) => {
      const id = nextId('cat-opt');
      return h('li', null,
        h('input', { type: 'radio', name, id, value: c.code, checked: c.code === value, 'data-testid': `category-${c.code}`,
          onchange: () => { value = c.code; onChange(c); } }),
        h('label', { for: id, class: 'option' },
          h('span', { class: 'option-name' }, localName(c),
            first.includes(c.code) ? h('span', { class: 'tag tag-urgent', 'data-testid': 'incident-category' }, icon('alert'), t('report.incidentCategory'))
              : recent.includes(c.code) ? h('span', { class: 'tag' }, icon('clock'), t('report.recent')) : null),
          c.description ? h('span', { class: 'option-desc muted' }, c.description) : null));
    }));
    more.hidden = !hidden;
    more.textContent = t('report.showAllCategories', { count: ordered.length });
    none.textContent = shown.length ? '' : t('report.noCategoryMatch');
  }

  render();
  const el = h('fieldset', { class: 'category-picker' },
    h('legend', { class: 'visually-hidden' }, t('report.category')),
    h('div', { class: 'field search-field' }, h('label', { for: search.id, class: 'visually-hidden' }, t('report.searchCategories')),
      icon('search'), search),
    list, none, more);
  search.placeholder = t('report.searchCategories');
  return { el };
}
