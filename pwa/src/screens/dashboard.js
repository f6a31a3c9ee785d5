// The public dashboard (/dashboard): the city's scoreboard, trends, cases by category and status,
// hotspots and recurring problems, all from GET /api/v1/stats/*. Loaded only on this route; its
// styles and messages come with it. Filters live in the URL, so a view can be shared. Every chart
// is also a table, and every table downloads as CSV with the API's own figures.
import { adoptStyles, h } from '../dom.js';
import { getLang, localName, t, useMessages } from '../i18n.js';
import { get, getCategories, getConfig } from '../api.js';
import { errorState, screenHeader, skeletonList } from '../ui.js';
import { deadlineSentence } from '../format.js';
import css from '../styles/dashboard.css';

const FILTERS = ['from', 'to', 'department', 'category'];
let styled = false;

const fmt = (options) => new Intl.NumberFormat(getLang(), options);
const number = (n) => (n == null ? t('dash.none') : fmt({ maximumFractionDigits: 1 }).format(n));
const percent = (r) => (r == null ? t('dash.none') : fmt({ style: 'percent', maximumFractionDigits: 1 }).format(r));

function csvOf(columns, rows) {
  const cell = (v) => {
    const s = v == null ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.map((c) => cell(c.label)), ...rows.map((r) => columns.map((c) => cell(c.value(r))))]
    .map((line) => line.join(',')).join('\r\n');
}

/** A table of `rows`; each cell keeps the API's raw figure in data-value (and in the CSV). */
function dataTable(id, caption, columns, rows) {
  const table = h('table', { class: 'dash-table', 'data-testid': `table-${id}` },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
    h('tbody', null, rows.map((r) => h('tr', null, columns.map((c, i) => {
      const raw = c.value(r);
      const text = (c.format || number)(raw, r);
      return h(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : null, 'data-key': c.key, 'data-value': raw == null ? '' : String(raw) }, text);
    })))));
  const href = URL.createObjectURL(new Blob([csvOf(columns, rows)], { type: 'text/csv;charset=utf-8' }));
  const link = h('a', { class: 'btn btn-secondary btn-small', href, download: `cityloop-${id}.csv`, 'data-testid': `csv-${id}` }, t('dash.csv'));
  // Focusable, so that a keyboard can scroll a table wider than the phone.
  const scroller = h('div', { class: 'dash-scroll', tabindex: '0', role: 'region', 'aria-label': caption }, table);
  return h('div', { class: 'dash-table-wrap' }, scroller, link);
}

const text = (v) => (v == null ? t('dash.none') : String(v));

function section(id, title, ...content) {
  return h('section', { class: 'card dash-section', 'aria-labelledby': `dash-${id}-h`, 'data-testid': `dash-${id}` },
    h('h2', { id: `dash-${id}-h` }, title), ...content);
}

function filterForm(ctx, values, departments, categories) {
  const select = (name, items) => h('select', { name, id: `dash-${name}` },
    h('option', { value: '' }, t('dash.all')),
    items.map((i) => h('option', { value: i.code, selected: values[name] === i.code }, localName(i))));
  const labelled = (name, input) => h('div', { class: 'dash-field' }, h('label', { for: `dash-${name}` }, t(`dash.${name}`)), input);
  const form = h('form', { class: 'dash-filters', 'aria-label': t('dash.filters'), 'data-testid': 'dash-filters' },
    labelled('from', h('input', { type: 'date', name: 'from', id: 'dash-from', value: values.from || '' })),
    labelled('to', h('input', { type: 'date', name: 'to', id: 'dash-to', value: values.to || '' })),
    labelled('department', select('department', departments)),
    labelled('category', select('category', categories)),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('dash.apply')));
  form.onsubmit = (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) query.set(key, value);
    ctx.navigate(`/dashboard${query.size ? `?${query}` : ''}`);
  };
  return form;
}

function tiles(o) {
  const tile = (key, value) => h('div', { class: 'dash-tile', 'data-testid': `tile-${key}` },
    h('span', { class: 'dash-tile-value' }, value), h('span', { class: 'dash-tile-label' }, t(`dash.${key}`)));
  return h('div', { class: 'dash-tiles' },
    tile('received', number(o.received)), tile('open', number(o.open)), tile('overdue', number(o.overdue)),
    tile('closed', number(o.closed)), tile('onTime', percent(o.on_time_closure_rate)),
    tile('rework', percent(o.rework_rate)), tile('transfer', percent(o.transfer_rate)),
    tile('satisfaction', number(o.satisfaction.mean)), tile('resolveHours', number(o.hours.resolve.median)));
}

const FIGURE_COLUMNS = [
  { key: 'on_time_closure_rate', label: () => t('dash.onTime'), value: (r) => r.on_time_closure_rate, format: percent },
  { key: 'rework_rate', label: () => t('dash.rework'), value: (r) => r.rework_rate, format: percent },
  { key: 'transfer_rate', label: () => t('dash.transfer'), value: (r) => r.transfer_rate, format: percent },
  { key: 'satisfaction', label: () => t('dash.satisfaction'), value: (r) => r.satisfaction.mean },
  { key: 'received', label: () => t('dash.received'), value: (r) => r.received },
  { key: 'closed', label: () => t('dash.closed'), value: (r) => r.closed },
  { key: 'overdue', label: () => t('dash.overdue'), value: (r) => r.overdue },
];
const figureColumns = () => FIGURE_COLUMNS.map((c) => ({ ...c, label: c.label() }));

function scoreboard(items) {
  const columns = [
    { key: 'department', label: t('dash.department'), value: (r) => r.department.code, format: (_v, r) => `${r.rank}. ${localName(r.department)}` },
    ...figureColumns(),
  ];
  return dataTable('departments', t('dash.scoreboard'), columns, items.map((item, i) => ({ ...item, rank: i + 1 })));
}

/** Bars for received and a line for closed, per week; hand-written SVG with its own table. */
function trendChart(points) {
  const W = 640, H = 200, PAD = 28;
  const max = Math.max(1, ...points.map((p) => Math.max(p.received, p.closed)));
  const step = (W - PAD * 2) / Math.max(points.length, 1);
  const y = (v) => H - PAD - (v / max) * (H - PAD * 2);
  const ns = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs, content) => {
    const node = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (content != null) node.textContent = content;
    return node;
  };
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, class: 'dash-chart', role: 'img', 'aria-label': t('dash.chartLabel'), 'data-testid': 'trend-chart' });
  svg.append(el('line', { x1: PAD, y1: H - PAD, x2: W - PAD, y2: H - PAD, class: 'dash-axis' }));
  svg.append(el('text', { x: 2, y: PAD, class: 'dash-tick' }, fmt({}).format(max)));
  points.forEach((p, i) => {
    const x = PAD + i * step;
    const bar = el('rect', { x: x + step * 0.15, y: y(p.received), width: step * 0.7, height: H - PAD - y(p.received), class: 'dash-bar' });
    bar.append(el('title', {}, `${p.start}: ${p.received}`));
    svg.append(bar);
  });
  const line = points.map((p, i) => `${PAD + i * step + step / 2},${y(p.closed)}`).join(' ');
  svg.append(el('polyline', { points: line, class: 'dash-line', fill: 'none' }));
  points.forEach((p, i) => svg.append(el('circle', { cx: PAD + i * step + step / 2, cy: y(p.closed), r: 3, class: 'dash-dot' })));
  const legend = h('p', { class: 'dash-legend' },
    h('span', { class: 'dash-key dash-key-bar' }), t('dash.legendReceived'), ' ',
    h('span', { class: 'dash-key dash-key-line' }), t('dash.legendClosed'));
  const columns = [
    { key: 'start', label: t('dash.week'), value: (r) => r.start, format: text },
    { key: 'received', label: t('dash.received'), value: (r) => r.received },
    { key: 'closed', label: t('dash.closed'), value: (r) => r.closed },
    { key: 'on_time_closure_rate', label: t('dash.onTime'), value: (r) => r.on_time_closure_rate, format: percent },
  ];
  return [svg, legend, h('details', null, h('summary', null, t('dash.asTable')), dataTable('trend', t('dash.trend'), columns, points))];
}

/** Set through the CSSOM: the CSP refuses style="" attributes. */
function widthOf(el, share) {
  el.style.width = `${share * 100}%`;
  return el;
}

function statusChart(byStatus) {
  const rows = Object.entries(byStatus).map(([status, count]) => ({ status, count }));
  const max = Math.max(1, ...rows.map((r) => r.count));
  const bars = h('ul', { class: 'dash-hbars', 'aria-hidden': 'true' }, rows.map((r) => h('li', null,
    h('span', { class: 'dash-hbar-label' }, t(`status.${r.status}`)),
    widthOf(h('span', { class: `dash-hbar status-bg-${r.status}` }), r.count / max),
    h('span', { class: 'dash-hbar-value' }, fmt({}).format(r.count)))));
  const columns = [
    { key: 'status', label: t('dash.status'), value: (r) => r.status, format: (v) => t(`status.${v}`) },
    { key: 'count', label: t('dash.count'), value: (r) => r.count },
  ];
  return [bars, dataTable('status', t('dash.byStatus'), columns, rows)];
}

function categoryTable(items) {
  const columns = [
    { key: 'category', label: t('dash.category'), value: (r) => r.category.code, format: (_v, r) => localName(r.category) },
    { key: 'received', label: t('dash.received'), value: (r) => r.received },
    { key: 'open', label: t('dash.open'), value: (r) => r.open },
    { key: 'closed', label: t('dash.closed'), value: (r) => r.closed },
    { key: 'on_time_closure_rate', label: t('dash.onTime'), value: (r) => r.on_time_closure_rate, format: percent },
    { key: 'resolve_median', label: t('dash.resolveHours'), value: (r) => r.hours.resolve.median },
  ];
  return dataTable('categories', t('dash.byCategory'), columns, items);
}

function hotspotSection(ctx, hotspots) {
  const mapEl = h('div', { class: 'dash-map', 'data-testid': 'hotspot-map' });
  const cells = hotspots.features.map((f) => ({ cell: f.properties.cell, count: f.properties.count, categories: f.properties.categories }));
  const columns = [
    { key: 'cell', label: t('dash.cell'), value: (r) => r.cell, format: text },
    { key: 'count', label: t('dash.count'), value: (r) => r.count },
    { key: 'categories', label: t('dash.topCategory'), value: (r) => Object.entries(r.categories).map(([c, n]) => `${c} ${n}`).join('; '), format: text },
  ];
  const content = cells.length ? [mapEl, dataTable('hotspots', t('dash.hotspots'), columns, cells.slice(0, 50))]
    : [h('p', { class: 'muted' }, t('dash.noHotspots'))];
  if (cells.length) whenNear(ctx, mapEl, () => drawHotspots(ctx, mapEl, hotspots));
  return section('hotspots', t('dash.hotspots'), ...content);
}

/** Run `fn` once `el` comes near the viewport: the map is far down the page, and building it
 * (Leaflet, a polygon and a label per cell) is the page's heaviest work. */
function whenNear(ctx, el, fn) {
  if (!('IntersectionObserver' in window)) { fn(); return; }
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    observer.disconnect();
    fn();
  }, { rootMargin: '300px' });
  observer.observe(el);
  ctx.onCleanup(() => observer.disconnect());
}

async function drawHotspots(ctx, mapEl, hotspots) {
  try {
    const [{ createMap, destroyMap }, config] = await Promise.all([import('../map.js'), getConfig()]);
    if (!ctx.isCurrent()) return;
    const [lat, lon] = config.map_center || [0, 0];
    const { L, map } = await createMap(mapEl, { center: [lat, lon], zoom: 14, label: t('dash.mapLabel') });
    if (!ctx.isCurrent()) { destroyMap(map); return; }
    ctx.onCleanup(() => destroyMap(map));
    const max = Math.max(1, ...hotspots.features.map((f) => f.properties.count));
    const layer = L.geoJSON(hotspots, {
      style: (f) => ({ className: 'dash-cell', weight: 1, color: '#9a3412', fillColor: '#ea580c', fillOpacity: 0.15 + 0.6 * (f.properties.count / max) }),
      onEachFeature: (f, shape) => shape.bindTooltip(`${f.properties.count}`, { permanent: true, direction: 'center', className: 'dash-cell-label' }),
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { maxZoom: 17, padding: [16, 16], animate: false });
  } catch {
    mapEl.remove();
  }
}

function recurringSection(items) {
  if (!items.length) return section('recurring', t('dash.recurring'), h('p', { class: 'muted' }, t('dash.recurringNone')));
  return section('recurring', t('dash.recurring'), h('ul', { class: 'dash-recurring', 'data-testid': 'recurring-list' }, items.map((p) => h('li', null,
    h('p', null, t('dash.recurringItem', { count: p.case_count, category: localName(p.category), days: p.days, department: p.department ? localName(p.department) : '' })),
    h('p', { class: 'dash-links' }, p.cases.map((c) => h('a', { href: c.url }, `#${c.id}`)))))));
}

/** Staff and admins: their department's overdue cases and those at risk (due soon; the server's
 * `overdue` and `at_risk` rules), most urgent first. The dashboard's department filter wins;
 * an admin without departments sees the whole city. */
async function staffLists(ctx, department) {
  const user = ctx.user;
  if (!user || (user.role !== 'staff' && user.role !== 'admin')) return null;
  const own = (user.departments || []).map((d) => d.code);
  const codes = department ? [department] : own;
  if (!codes.length && user.role !== 'admin') return null;
  const scope = { sort: 'due_at', per_page: 20, ...(codes.length ? { department: codes.join(',') } : {}) };
  const [overdue, atRisk] = await Promise.all([
    get('/cases', { ...scope, overdue: true }, { signal: ctx.signal }),
    get('/cases', { ...scope, at_risk: true }, { signal: ctx.signal }),
  ]);
  const list = (id, title, page, empty) => h('div', { class: 'dash-worklist', 'data-testid': `worklist-${id}` },
    // Past a thousand matches on PostgreSQL the total is the planner's estimate (total_estimated).
    h('h3', null, t(page.total_estimated ? `${title}About` : title, { count: page.total })),
    page.items.length ? h('ul', null, page.items.map((c) => h('li', { 'data-case-id': c.id },
      h('a', { href: `/cases/${c.id}` }, c.title || `#${c.id}`), ' ',
      h('span', { class: 'muted' }, `${localName(c.category)} · ${deadlineSentence(c)}`))))
      : h('p', { class: 'muted' }, t(empty)));
  return section('worklists', t('dash.worklists'),
    list('overdue', 'dash.overdueList', overdue, 'dash.noneOverdue'),
    list('at-risk', 'dash.atRiskList', atRisk, 'dash.noneAtRisk'));
}

export default async function dashboard(ctx) {
  if (!styled) { adoptStyles(css); styled = true; }
  await useMessages('dashboard');
  // The title and the introduction paint at once; the figures follow when the API answers.
  const body = h('div', { class: 'dash-body', 'aria-busy': 'true' }, skeletonList(3));
  ctx.root.append(screenHeader(t('dash.title')), h('p', { class: 'muted' }, t('dash.intro')), body);
  const values = Object.fromEntries(FILTERS.map((k) => [k, ctx.query.get(k) || '']));
  const query = Object.fromEntries(Object.entries(values).filter(([, v]) => v));
  const opts = { signal: ctx.signal };
  let data;
  try {
    const [overview, departments, categories, trend, hotspots, recurring, departmentList, categoryList, worklists] = await Promise.all([
      get('/stats/overview', query, opts), get('/stats/departments', query, opts), get('/stats/categories', query, opts),
      get('/stats/trend', { ...query, interval: 'week' }, opts), get('/stats/hotspots', query, opts),
      get('/stats/recurring', null, opts), get('/departments', null, opts), getCategories(),
      staffLists(ctx, values.department),
    ]);
    data = { overview, departments, categories, trend, hotspots, recurring, departmentList, categoryList, worklists };
  } catch (e) {
    if (ctx.signal.aborted) return;
    body.removeAttribute('aria-busy');
    body.replaceChildren(errorState(e, { onRetry: () => ctx.navigate(location.href, { replace: true }) }));
    return;
  }
  const { overview, departments, categories, trend, hotspots, recurring } = data;
  body.removeAttribute('aria-busy');
  body.replaceChildren(
    filterForm(ctx, { ...values, from: values.from || overview.period.from, to: values.to || overview.period.to }, data.departmentList.items, data.categoryList),
    section('overview', t('dash.overview'), tiles(overview)),
    data.worklists || '',
    section('scoreboard', t('dash.scoreboard'), scoreboard(departments.items)),
    section('trend', t('dash.trend'), ...trendChart(trend.items)),
    section('status', t('dash.byStatus'), ...statusChart(overview.by_status)),
    section('categories', t('dash.byCategory'), categoryTable(categories.items)),
    hotspotSection(ctx, hotspots),
    recurringSection(recurring.items),
  );
}
