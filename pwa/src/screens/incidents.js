// Incidents for staff and admins: the list (active / closed) and the declare form (heads of a
// department and admins): title, severity, the area (tap the map for its centre, then a radius),
// the lead and the other departments, the categories whose reports are offered, the notice.
import { h, icon, nextId, replace } from '../dom.js';
import { localName, t } from '../i18n.js';
import { create, get, getCategories } from '../api.js';
import { headOf } from '../session.js';
import { relativeTime, formatDateTime, formatNumber } from '../format.js';
import { getPosition, roundCoord } from '../geo.js';
import { clearFieldErrors, emptyState, errorState, field, screenHeader, setBusy, showFieldErrors, skeletonList } from '../ui.js';
import { deskNav, prepareDesk } from '../components/staff-kit.js';
import { getDepartmentList, prepareIncidents, severityTag, stateTag } from '../components/incident-kit.js';
import { clampRadius, RADIUS, SEVERITIES } from '../incident-area.js';

const mayDeclare = (user) => user.role === 'admin' || headOf(user).length > 0;

export default async function incidents(ctx) {
  await Promise.all([prepareDesk(ctx), prepareIncidents()]);
  if (!ctx.isCurrent()) return;
  if (ctx.route.path === '/incidents/new') { await declareForm(ctx); return; }
  await list(ctx);
}

function incidentCard(i) {
  return h('li', null, h('a', { class: `card inc-card${i.status === 'closed' ? ' inc-closed-card' : ''}`, href: `/incidents/${i.id}`, 'data-testid': 'incident-card', 'data-incident-id': String(i.id) },
    h('span', { class: 'card-title' }, i.title),
    h('span', { class: 'card-meta' }, severityTag(i.severity), stateTag(i.status), h('span', { class: 'muted' }, t('inc.lead', { department: localName(i.lead_department) || '' }))),
    h('span', { class: 'card-meta muted' },
      h('time', { datetime: i.declared_at, title: formatDateTime(i.declared_at) }, t('inc.declaredWhen', { when: relativeTime(i.declared_at) })),
      h('span', null, t('inc.caseCount', { count: i.case_count ?? 0 })),
      i.status === 'active' ? h('span', null, t('inc.openTaskCount', { count: i.open_task_count ?? 0 })) : null)));
}

async function list(ctx) {
  const status = ctx.query.get('status') === 'closed' ? 'closed' : 'active';
  const declare = mayDeclare(ctx.user)
    ? h('a', { class: 'btn btn-primary', href: '/incidents/new', 'data-testid': 'declare-incident' }, icon('plus'), t('inc.declare')) : null;
  const tab = (key) => h('a', { href: key === 'active' ? '/incidents' : '/incidents?status=closed', 'aria-current': key === status ? 'page' : null, 'data-testid': `incidents-${key}` }, t(`inc.tab.${key}`));
  const body = h('div', null, skeletonList(3));
  ctx.root.append(screenHeader(t('inc.title')), deskNav(ctx.user, 'incidents') || '',
    h('nav', { class: 'segmented', 'aria-label': t('inc.tabs') }, tab('active'), tab('closed')),
    declare ? h('div', { class: 'row' }, declare) : '', body);
  let items;
  try { items = (await get('/incidents', { status }, { signal: ctx.signal })).items || []; } catch (e) {
    if (e.name !== 'AbortError') replace(body, errorState(e, { onRetry: () => ctx.navigate(location.pathname + location.search, { replace: true }) }));
    return;
  }
  if (!ctx.isCurrent()) return;
  replace(body, items.length
    ? h('ul', { class: 'card-list', 'data-testid': 'incident-list', 'aria-label': t(`inc.tab.${status}`) }, items.map(incidentCard))
    : emptyState({ iconName: 'check-circle', title: t(status === 'active' ? 'inc.noneActive' : 'inc.noneClosed'), text: declare && status === 'active' ? t('inc.noneActiveText') : null }));
}

function checkboxes(name, legend, options, testid) {
  return h('fieldset', { class: 'check-grid', 'data-field': name },
    h('legend', null, legend),
    options.map(([value, label]) => {
      const id = nextId(name);
      return h('div', { class: 'check' }, h('input', { type: 'checkbox', id, name, value, 'data-testid': `${testid}-${value}` }), h('label', { for: id }, label));
    }));
}

async function declareForm(ctx) {
  ctx.root.append(screenHeader(t('inc.declareTitle'), { back: '/incidents' }));
  if (!mayDeclare(ctx.user)) { ctx.root.append(emptyState({ iconName: 'lock', title: t('inc.mayNotDeclare') })); return; }
  const [departments, categories] = await Promise.all([getDepartmentList().catch(() => []), getCategories().catch(() => [])]);
  if (!ctx.isCurrent()) return;
  const leads = ctx.user.role === 'admin' ? departments : departments.filter((d) => headOf(ctx.user).includes(d.code));
  let centre = null;

  const title = h('input', { name: 'title', type: 'text', maxlength: 160, required: true, autocomplete: 'off', 'data-testid': 'incident-title' });
  const description = h('textarea', { name: 'description', rows: 3, maxlength: 4000, 'data-testid': 'incident-description' });
  const severity = h('select', { name: 'severity', 'data-testid': 'incident-severity' },
    SEVERITIES.map((s) => h('option', { value: s, selected: s === 'severe' }, t(`inc.severity.${s}`))));
  const lead = h('select', { name: 'lead_department', 'data-testid': 'incident-lead' }, leads.map((d) => h('option', { value: d.code }, localName(d))));
  const radius = h('input', { name: 'radius_m', type: 'number', inputmode: 'numeric', min: RADIUS.min, max: RADIUS.max, step: 50, value: String(RADIUS.initial), 'data-testid': 'incident-radius', oninput: drawCircle });
  const notice = h('textarea', { name: 'notice', rows: 2, maxlength: 500, 'data-testid': 'incident-notice' });

  const statusText = h('span');
  const where = h('p', { class: 'loc-status missing', role: 'status', 'data-testid': 'area-status' }, icon('pin'), statusText);
  const mapEl = h('div', { class: 'map declare-map', 'data-testid': 'declare-map' });
  const latInput = h('input', { type: 'text', inputmode: 'decimal', name: 'lat', id: nextId('lat'), 'data-testid': 'area-lat', onchange: typed });
  const lonInput = h('input', { type: 'text', inputmode: 'decimal', name: 'lon', id: nextId('lon'), 'data-testid': 'area-lon', onchange: typed });
  const locate = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'area-locate', onclick: useMyPosition }, icon('locate'), t('inc.useMyLocation'));
  const areaBox = h('fieldset', { class: 'report-step', 'data-field': 'area' },
    h('legend', null, t('inc.area')), h('p', { class: 'hint' }, t('inc.areaHint')), where, mapEl,
    h('div', { class: 'row wrap' }, locate),
    h('details', { class: 'manual-coords' }, h('summary', null, t('inc.enterCoords')),
      h('div', { class: 'row' },
        h('div', { class: 'field' }, h('label', { for: latInput.id }, t('inc.latitude')), latInput),
        h('div', { class: 'field' }, h('label', { for: lonInput.id }, t('inc.longitude')), lonInput))),
    field({ label: t('inc.radius'), hint: t('inc.radiusHint'), input: radius }));

  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-big', 'data-testid': 'declare-submit' }, icon('megaphone'), t('inc.declareSubmit'));
  const form = h('form', { class: 'report-form', novalidate: true, onsubmit: send, 'data-testid': 'declare-form' },
    field({ label: t('inc.titleLabel'), input: title }),
    field({ label: t('inc.severityLabel'), input: severity }),
    areaBox,
    field({ label: t('inc.leadLabel'), hint: ctx.user.role === 'admin' ? null : t('inc.leadHint'), input: lead }),
    checkboxes('departments', t('inc.departmentsLabel'), departments.map((d) => [d.code, localName(d)]), 'incident-dept'),
    checkboxes('categories', t('inc.categoriesLabel'), categories.map((c) => [c.code, localName(c)]), 'incident-cat'),
    field({ label: t('inc.noticeLabel'), hint: t('inc.noticeHint'), input: notice }),
    field({ label: t('inc.descriptionLabel'), hint: t('form.optional'), input: description }),
    h('div', { class: 'submit-bar' }, submit));
  ctx.root.append(form);
  paintWhere();

  let mapApi = null;
  let circle = null;
  (async () => {
    try {
      const { createMap, defaultView, destroyMap } = await import('../map.js');
      const view = await defaultView();
      if (!ctx.isCurrent()) return;
      mapApi = await createMap(mapEl, { ...view, label: t('inc.mapLabel') });
      if (!ctx.isCurrent()) { destroyMap(mapApi.map); return; }
      ctx.onCleanup(() => destroyMap(mapApi.map));
      mapApi.map.on('click', (e) => setCentre({ lat: e.latlng.lat, lon: e.latlng.lng }));
    } catch {
      mapEl.remove();
      areaBox.querySelector('details').open = true;
    }
  })();

  function paintWhere() {
    statusText.textContent = centre
      ? t('inc.areaSet', { lat: centre.lat.toFixed(5), lon: centre.lon.toFixed(5), radius: formatNumber(clampRadius(radius.value) ?? RADIUS.initial) })
      : t('inc.areaNone');
    where.classList.toggle('missing', !centre);
    latInput.value = centre ? String(centre.lat) : '';
    lonInput.value = centre ? String(centre.lon) : '';
  }

  function drawCircle() {
    paintWhere();
    if (!mapApi || !centre) return;
    const r = clampRadius(radius.value) ?? RADIUS.initial;
    if (circle) { circle.setLatLng([centre.lat, centre.lon]); circle.setRadius(r); } else {
      circle = mapApi.L.circle([centre.lat, centre.lon], { radius: r, color: '#b42318', weight: 2, fillOpacity: 0.12, interactive: false }).addTo(mapApi.map);
    }
  }

  function setCentre(point) {
    centre = { lat: roundCoord(point.lat), lon: roundCoord(point.lon) };
    drawCircle();
  }

  function typed() {
    const lat = Number(latInput.value.replace(',', '.')), lon = Number(lonInput.value.replace(',', '.'));
    if (Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
      setCentre({ lat, lon });
      mapApi?.map.setView([lat, lon], mapApi.map.getZoom(), { animate: false });
    }
  }

  async function useMyPosition() {
    try {
      const pos = await getPosition();
      setCentre(pos);
      mapApi?.map.setView([centre.lat, centre.lon], 15, { animate: false });
    } catch (e) { statusText.textContent = e.message === 'denied' ? t('geo.denied') : t('geo.unavailable'); }
  }

  const checked = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);

  function localProblems() {
    const fields = {};
    if (!title.value.trim()) fields.title = [t('form.requiredField')];
    if (!centre) fields.area = [t('inc.needArea')];
    if (clampRadius(radius.value) == null) fields.radius_m = [t('inc.needRadius')];
    if (!lead.value) fields.lead_department = [t('inc.needLead')];
    return fields;
  }

  function serverFields(e) {
    const out = {};
    for (const [k, v] of Object.entries(e.fields || {})) {
      const key = k.startsWith('area') ? 'area' : k.split('.')[0];
      out[key] = [...(out[key] || []), ...[].concat(typeof v === 'object' && !Array.isArray(v) ? Object.values(v).flat() : v)];
    }
    return { ...e, fields: out };
  }

  async function send(event) {
    event.preventDefault();
    clearFieldErrors(form);
    const problems = localProblems();
    if (Object.keys(problems).length) { showFieldErrors(form, { fields: problems }); return; }
    const r = clampRadius(radius.value);
    radius.value = String(r);
    const body = {
      title: title.value.trim(), severity: severity.value, lead_department: lead.value,
      area: { lat: centre.lat, lon: centre.lon, radius_m: r },
      departments: checked('departments'), categories: checked('categories'),
    };
    if (notice.value.trim()) body.notice = notice.value.trim();
    if (description.value.trim()) body.description = description.value.trim();
    setBusy(submit, true);
    try {
      const made = await create('/incidents', body);
      ctx.navigate(`/incidents/${made.id}`, { replace: true });
    } catch (e) {
      setBusy(submit, false);
      showFieldErrors(form, e.fields ? serverFields(e) : e);
    }
  }
}
