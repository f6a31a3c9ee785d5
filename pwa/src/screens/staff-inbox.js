// The department inbox: the cases of my departments, live (new, transferred in, escalated ones
// appear without a reload; transferred out ones leave), with the SLA clock, filters, sort by due
// time and a map. Wide screens open the case desk beside the list; phones open it on its own.
import { h, icon, nextId, replace } from '../dom.js';
import { localName, t } from '../i18n.js';
import { get, getCategories } from '../api.js';
import { STATUS_FILTERS } from '../status.js';
import { caseCard, caseNumber, caseTitle, itemsOf } from '../components/case-card.js';
import { backLink, emptyState, errorState, screenHeader, skeletonList } from '../ui.js';
import { announcer, deskNav, isWide, myDepartments, onWidthChange, prepareDesk, slaClock, tickClocks } from '../components/staff-kit.js';
import { caseDesk, getDepartments } from '../components/case-desk.js';

const GROUPS = ['open', 'new', 'working', 'done', 'all'];
const SORTS = { due: 'due_at', new: '-created_at' };
const PER_PAGE = 50;

function readFilters(query) {
  return {
    group: GROUPS.includes(query.get('status')) ? query.get('status') : 'open',
    category: query.get('category') || '',
    overdue: query.get('overdue') === '1',
    mine: query.get('mine') === '1',
    sort: SORTS[query.get('sort')] ? query.get('sort') : 'due',
    view: query.get('view') === 'map' ? 'map' : 'list',
  };
}

function filterQuery(f) {
  const q = new URLSearchParams();
  if (f.group !== 'open') q.set('status', f.group);
  if (f.category) q.set('category', f.category);
  if (f.overdue) q.set('overdue', '1');
  if (f.mine) q.set('mine', '1');
  if (f.sort !== 'due') q.set('sort', f.sort);
  if (f.view !== 'list') q.set('view', f.view);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export default async function staffInbox(ctx) {
  await prepareDesk(ctx);
  if (!ctx.isCurrent()) return;
  const wide = isWide();
  onWidthChange(ctx, () => ctx.navigate(location.pathname + location.search, { replace: true }));
  const deskId = ctx.params.id;
  if (deskId && !wide) { deskAlone(ctx, deskId); return; }

  const filters = readFilters(ctx.query);
  const departments = await myDepartments(ctx.user, getDepartments).catch(() => []);
  if (!ctx.isCurrent()) return;
  const codes = departments.map((d) => d.code);
  const say = announcer();
  const count = h('p', { class: 'muted small', 'data-testid': 'inbox-count' });
  const liveDot = h('span', { class: 'live-dot', role: 'status', 'data-testid': 'inbox-live' });
  const listPane = h('div', { class: 'inbox-list' }, skeletonList(4));
  const mapPane = h('div', { class: 'inbox-map', hidden: filters.view !== 'map' });
  const taskPane = h('section', { class: 'inbox-tasks', 'aria-labelledby': 'inbox-tasks-h', hidden: true, 'data-testid': 'inbox-tasks' });
  const incidentPane = h('section', { class: 'inbox-tasks', 'aria-labelledby': 'inbox-incidents-h', hidden: true, 'data-testid': 'inbox-incident-tasks' });
  const incidentTasks = new Map(); // "<incident id>:<department>" -> {incident, task}
  const deskPane = wide ? h('section', { class: 'desk-pane', 'aria-label': t('desk.title'), 'data-testid': 'desk-pane' }) : null;
  const cases = new Map(); // id -> case
  const items = new Map(); // id -> <li>
  let ul = null;
  let desk = null;
  let map = null;
  let total = 0;
  let estimated = false; // the total is the database's estimate (past 1,000 cases)
  let queued = null; // live events that arrive while the list loads, applied after it

  const heading = screenHeader(t('inbox.title'));
  ctx.root.append(heading, deskNav(ctx.user, 'inbox') || '', say.el);
  if (!codes.length) {
    ctx.root.append(emptyState({ iconName: 'inbox', title: t('inbox.noDepartments'), text: t('inbox.noDepartmentsText') }));
    return;
  }
  const controls = await filterBar();
  if (!ctx.isCurrent()) return;
  const main = h('div', { class: 'inbox-main' }, incidentPane, taskPane, controls, h('div', { class: 'section-head' }, count, liveDot), mapPane, listPane);
  ctx.root.append(wide ? h('div', { class: 'two-pane' }, main, deskPane) : main);
  tickClocks(ctx, ctx.root);
  ctx.onCleanup(() => { desk?.destroy(); map?.destroy(); });
  if (wide) {
    if (deskId) openDesk(deskId, { push: false }); else replace(deskPane, emptyState({ iconName: 'inbox', title: t('inbox.pick'), text: t('inbox.pickText') }));
  }
  await load();
  loadTasks();
  loadIncidentTasks();
  subscribe();

  // --- incidents: the open tasks of my departments, live (incident.task) ----------------------
  async function loadIncidentTasks() {
    let found;
    try {
      const active = (await get('/incidents', { status: 'active' }, { signal: ctx.signal })).items || [];
      const ours = active.filter((i) => (i.departments || []).some((d) => codes.includes(d.code)));
      found = await Promise.all(ours.map((i) => get(`/incidents/${i.id}`, null, { signal: ctx.signal })));
    } catch { return; }
    if (!ctx.isCurrent()) return;
    incidentTasks.clear();
    for (const incident of found) {
      for (const task of incident.tasks || []) putIncidentTask(incident, task);
    }
    paintIncidentTasks();
  }

  function putIncidentTask(incident, task) {
    const code = task.department?.code;
    if (!codes.includes(code)) return false;
    const key = `${incident.id}:${code}`;
    const open = task.status === 'open' && incident.status !== 'closed';
    if (open) incidentTasks.set(key, { incident, task }); else incidentTasks.delete(key);
    return open;
  }

  function paintIncidentTasks() {
    incidentPane.hidden = !incidentTasks.size;
    replace(incidentPane, h('h2', { id: 'inbox-incidents-h' }, icon('megaphone'), t('inbox.incidentTasks', { count: incidentTasks.size })),
      h('ul', { class: 'card-list' }, [...incidentTasks.values()].map(({ incident, task }) => h('li', null,
        h('a', { class: 'card task-card', href: `/incidents/${incident.id}`, 'data-testid': 'inbox-incident-task', 'data-incident-id': String(incident.id), 'data-department': task.department.code },
          h('span', { class: 'card-title' }, incident.title),
          h('span', { class: 'card-meta' }, h('span', { class: `sev sev-${incident.severity}` }, icon('alert'), t(`inbox.severity.${incident.severity}`)),
            t('inbox.taskFor', { department: localName(task.department) || '' })))))));
  }

  // --- co-handling: cases other departments asked mine to help with ---------------------------
  async function loadTasks() {
    let lists;
    try {
      lists = await Promise.all(codes.map((code) => get('/tasks', { department: code, per_page: 50 }, { signal: ctx.signal }).then(itemsOf)));
    } catch { return; }
    if (!ctx.isCurrent()) return;
    const tasks = lists.flat();
    taskPane.hidden = !tasks.length;
    replace(taskPane, h('h2', { id: 'inbox-tasks-h' }, icon('users'), t('inbox.tasks', { count: tasks.length })),
      h('ul', { class: 'card-list' }, tasks.map((task) => h('li', null,
        h('a', { class: 'card task-card', href: `/staff/cases/${task.case.id}${filterQuery(filters)}`, 'data-testid': 'inbox-task', 'data-case-id': task.case.id,
          onclick: wide ? (e) => { e.preventDefault(); openDesk(task.case.id); } : undefined },
        h('span', { class: 'card-title' }, caseTitle(task.case), ' ', h('span', { class: 'muted' }, caseNumber(task.case))),
        h('span', { class: 'card-meta' }, t('inbox.taskFor', { department: localName(task.department) || '' }), slaClock(task.case)),
        task.request_note ? h('span', { class: 'small' }, task.request_note) : null)))));
  }

  // --- filters --------------------------------------------------------------------------------
  async function filterBar() {
    const categories = (await getCategories().catch(() => [])).filter((c) => codes.includes(c.department));
    const select = (name, label, options, value, testid) => {
      const id = nextId(name);
      return h('div', { class: 'field' }, h('label', { for: id }, label),
        h('select', { id, name, 'data-testid': testid, onchange: (e) => change({ [name]: e.target.value }) },
          options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
    };
    const check = (name, label, testid) => {
      const id = nextId(name);
      return h('div', { class: 'check' },
        h('input', { type: 'checkbox', id, name, checked: filters[name], 'data-testid': testid, onchange: (e) => change({ [name]: e.target.checked }) }),
        h('label', { for: id }, label));
    };
    const viewButton = (key, iconName) => h('button', {
      type: 'button', class: 'chip-btn', 'aria-pressed': String(filters.view === key), 'data-testid': `view-${key}`,
      onclick: () => change({ view: key }),
    }, icon(iconName), t(`inbox.view.${key}`));
    return h('form', { class: 'inbox-filters', role: 'search', 'aria-label': t('inbox.filters'), onsubmit: (e) => e.preventDefault() },
      select('group', t('inbox.status'), GROUPS.map((g) => [g, t(`filter.${g}`)]), filters.group, 'filter-status'),
      select('category', t('inbox.category'), [['', t('inbox.allCategories')], ...categories.map((c) => [c.code, localName(c)])], filters.category, 'filter-category'),
      select('sort', t('inbox.sort'), [['due', t('inbox.sortDue')], ['new', t('inbox.sortNew')]], filters.sort, 'filter-sort'),
      h('div', { class: 'inbox-checks' }, check('overdue', t('inbox.overdue'), 'filter-overdue'), check('mine', t('inbox.mine'), 'filter-mine')),
      h('div', { class: 'chips', role: 'group', 'aria-label': t('inbox.viewLabel') }, viewButton('list', 'list'), viewButton('map', 'map')));
  }

  function change(next) {
    Object.assign(filters, next);
    const path = location.pathname + filterQuery(filters);
    history.replaceState(history.state, '', path);
    if ('view' in next) {
      ctx.root.querySelectorAll('[data-testid^="view-"]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.testid === `view-${filters.view}`)));
      mapPane.hidden = filters.view !== 'map';
      if (filters.view === 'map') renderMap();
      return;
    }
    load();
  }

  // --- the list -------------------------------------------------------------------------------
  function apiQuery() {
    return {
      department: codes.join(','),
      status: STATUS_FILTERS[filters.group].join(',') || undefined,
      category: filters.category || undefined,
      overdue: filters.overdue ? 'true' : undefined,
      assigned_to_me: filters.mine ? 'true' : undefined,
      sort: SORTS[filters.sort],
      per_page: PER_PAGE,
    };
  }

  async function load() {
    replace(listPane, skeletonList(4));
    ul = null;
    queued = [];
    const mine = queued;
    let page;
    try { page = await get('/cases', apiQuery(), { signal: ctx.signal }); } catch (e) {
      if (e.name !== 'AbortError') replace(listPane, errorState(e, { onRetry: load, what: t('error.list') }));
      return;
    }
    if (!ctx.isCurrent() || mine !== queued) return; // a newer load is on its way
    cases.clear();
    items.clear();
    ul = h('ul', { class: 'card-list', 'aria-label': t('inbox.listLabel'), 'data-testid': 'inbox-list' });
    itemsOf(page).forEach((c) => { cases.set(String(c.id), c); items.set(String(c.id), card(c)); ul.append(items.get(String(c.id))); });
    total = page.total ?? cases.size;
    estimated = Boolean(page.total_estimated);
    replace(listPane, ul, emptyNote());
    paintCount();
    queued = null;
    mine.forEach(([c, event]) => upsert(c, event));
    if (filters.view === 'map') renderMap();
  }

  function emptyNote() {
    return h('div', { class: 'inbox-empty', hidden: cases.size > 0 }, emptyState({ iconName: 'check-circle', title: t('inbox.emptyTitle'), text: t('inbox.emptyText') }));
  }

  function paintCount() {
    count.textContent = t(estimated ? 'inbox.countAbout' : 'inbox.count', { count: total });
    listPane.querySelector('.inbox-empty')?.toggleAttribute('hidden', cases.size > 0);
  }

  function card(c) {
    const li = caseCard(c, {
      href: `/staff/cases/${c.id}${filterQuery(filters)}`,
      onOpen: wide ? (e) => { e.preventDefault(); openDesk(c.id); } : undefined,
      extra: h('span', { class: 'card-meta' }, slaClock(c), c.escalated ? h('span', { class: 'tag tag-urgent' }, icon('alert'), t('desk.escalated')) : null,
        h('span', { class: 'muted' }, localName(c.department) || '')),
    });
    li.dataset.caseId = c.id;
    if (desk && String(desk.el.dataset.caseId) === String(c.id)) li.querySelector('a').setAttribute('aria-current', 'true');
    return li;
  }

  /** Where a case goes in the list under the current sort. */
  function before(a, b) {
    if (filters.sort === 'new') return new Date(a.created_at) > new Date(b.created_at);
    if (!a.due_at) return false;
    if (!b.due_at) return true;
    return new Date(a.due_at) < new Date(b.due_at);
  }

  function matches(c, event) {
    if (!codes.includes(c.department?.code)) return false;
    const statuses = STATUS_FILTERS[filters.group];
    if (statuses.length && !statuses.includes(c.status)) return false;
    if (filters.category && c.category?.code !== filters.category) return false;
    if (filters.overdue && !c.overdue) return false;
    if (filters.mine) {
      const tookIt = event && ['assign', 'start'].includes(event.action) && String(event.actor?.id) === String(ctx.user.id);
      if (!tookIt && !cases.has(String(c.id))) return false;
    }
    return true;
  }

  function upsert(c, event) {
    if (!ul) { queued?.push([c, event]); return; }
    const key = String(c.id);
    const known = cases.has(key);
    if (!matches(c, event)) {
      if (known) {
        items.get(key).remove();
        cases.delete(key);
        items.delete(key);
        total = Math.max(0, total - 1);
        if (event?.action === 'transfer') say.say(t('inbox.movedOut', { id: c.id, department: localName(c.department) || '' }));
        paintCount();
      }
      return;
    }
    const previous = cases.get(key);
    if (known && previous.version === c.version && previous.escalated === c.escalated) return; // nothing new
    cases.set(key, { ...(previous || {}), ...c });
    const li = card(cases.get(key));
    if (known) items.get(key).remove();
    items.set(key, li);
    const next = [...ul.children].find((other) => other !== li && before(c, cases.get(other.dataset.caseId) || {}));
    ul.insertBefore(li, next || null);
    li.querySelector('.card').classList.add(known ? 'flash' : 'arrived');
    setTimeout(() => li.querySelector('.card')?.classList.remove('flash'), 4000);
    if (!known) say.say(t('inbox.arrived', { id: c.id, title: caseTitle(c) }));
    if (!known) total += 1;
    paintCount();
    if (map && filters.view === 'map') renderMap();
  }

  // --- live -----------------------------------------------------------------------------------
  async function subscribe() {
    const live = await import('../live.js');
    if (!ctx.isCurrent()) return;
    let wasDown = false;
    const joined = new Set();
    const paintLive = (s) => {
      const on = s === 'connected' && joined.size === codes.length;
      liveDot.className = `live-dot ${on ? 'connected' : 'disconnected'}`;
      liveDot.textContent = on ? t('live.on') : t('live.off');
    };
    ctx.onCleanup(live.onLiveStatus((s) => {
      if (s !== 'connected') joined.clear();
      paintLive(s);
      if (s === 'disconnected') wasDown = true;
      else if (s === 'connected' && wasDown) { wasDown = false; load(); loadIncidentTasks(); } // catch up on what was missed
    }));
    for (const code of codes) {
      ctx.onCleanup(live.subscribe(`department:${code}`, (type, data) => {
        if (type === 'case.event' && data.case) {
          upsert(data.case, data.event);
          if (['cohandle', 'task_done'].includes(data.event?.action)) loadTasks();
        } else if (type === 'incident.task' && data.incident && data.task) {
          const known = incidentTasks.has(`${data.incident.id}:${data.task.department?.code}`);
          const arrived = putIncidentTask(data.incident, data.task);
          paintIncidentTasks();
          if (arrived && !known) say.say(t('inbox.incidentArrived', { title: data.incident.title }));
        }
        else if (type === 'joined') { joined.add(code); paintLive('connected'); } else if (type === 'missed') { load(); loadIncidentTasks(); }
      }));
    }
  }

  // --- the desk beside the list (wide) ---------------------------------------------------------
  function openDesk(id, { push = true } = {}) {
    desk?.destroy();
    desk = caseDesk({ id, user: ctx.user, onCase: (c) => { if (cases.has(String(c.id)) || matches(c)) upsert(c); } });
    replace(deskPane, desk.el);
    items.forEach((li, key) => {
      const a = li.querySelector('a');
      if (key === String(id)) a.setAttribute('aria-current', 'true'); else a.removeAttribute('aria-current');
    });
    if (push) history.pushState({ idx: (history.state?.idx || 0) + 1 }, '', `/staff/cases/${id}${filterQuery(filters)}`);
  }

  // --- map ------------------------------------------------------------------------------------
  async function renderMap() {
    const { createMap, defaultView, destroyMap, statusMarker } = await import('../map.js');
    if (!ctx.isCurrent()) return;
    if (!map) {
      const box = h('div', { class: 'map inbox-map-box', 'data-testid': 'inbox-map' });
      replace(mapPane, box);
      const first = [...cases.values()][0];
      const view = first ? { center: [first.lat, first.lon], zoom: 14 } : await defaultView();
      try {
        const made = await createMap(box, { ...view, label: t('inbox.mapLabel') });
        map = { ...made, layer: made.L.layerGroup().addTo(made.map), destroy: () => destroyMap(made.map) };
      } catch {
        replace(mapPane, h('p', { class: 'notice' }, t('map.unavailable')));
        return;
      }
    }
    map.layer.clearLayers();
    for (const c of cases.values()) {
      const marker = statusMarker(map.L, { lat: c.lat, lon: c.lon, status: c.status, title: `${caseTitle(c)} (${caseNumber(c)})` });
      marker.on('click', () => (wide ? openDesk(c.id) : ctx.navigate(`/staff/cases/${c.id}${filterQuery(filters)}`)));
      map.layer.addLayer(marker);
    }
  }
}

/** A phone: the desk on its own, with the way back to the inbox. */
function deskAlone(ctx, id) {
  const back = `/staff${ctx.url.search}`;
  ctx.root.append(h('header', { class: 'screen-head' }, backLink(back), h('h1', { tabindex: '-1' }, t('desk.title'))));
  const desk = caseDesk({ id, user: ctx.user, onCase: (c) => { document.title = `${caseTitle(c)} · ${t('desk.title')} · CityLoop`; } });
  ctx.onCleanup(() => desk.destroy());
  ctx.root.append(desk.el);
}
