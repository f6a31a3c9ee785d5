// Report a problem, photo first. Kept as a draft while typed; sent now, or queued in the outbox
// with its idempotency key when there is no connection (it then sends by itself).
import { h, icon, debounce, replace } from '../dom.js';
import { localName, localNotice, t } from '../i18n.js';
import { ApiError, create, get, getCategories, newKey } from '../api.js';
import { clearDraft, loadDraft, loadDraftPhotos, rememberCategory, recentCategories, saveDraft, saveDraftPhotos } from '../drafts.js';
import { enqueue } from '../outbox.js';
import { currentUser } from '../session.js';
import { errorState, field, screenHeader, setBusy, showFieldErrors, clearFieldErrors, skeletonList, toast } from '../ui.js';
import { photoPicker } from '../components/photo-picker.js';
import { locationPicker } from '../components/location-picker.js';
import { categoryPicker } from '../components/category-picker.js';
import { expectationLine } from '../expectation.js';
import { attributeFields, missingAnswers } from '../components/attribute-fields.js';
import { duplicatesPanel } from '../components/duplicates.js';
import { offerPushAfterReport } from '../push-offer.js';
import { activeIncidents, incidentCategories } from '../incident-area.js';

const SEND_TIMEOUT_MS = 60000;
const RETRYABLE = (e) => e instanceof ApiError && (e.status === 0 || e.status === 408 || e.status === 429 || e.status >= 500);

export default async function report(ctx) {
  const draft = { answers: {}, ...loadDraft() };
  const photos = await loadDraftPhotos();
  if (!ctx.isCurrent()) return;
  let categories = [];
  let closed = false; // set once the draft is sent, queued or discarded: nothing may save it again
  const save = debounce(() => { if (!closed) saveDraft(draft); }, 300);
  ctx.onCleanup(() => save.flush());
  const category = () => categories.find((c) => c.code === draft.category);

  const photoSection = section('photos', t('report.stepPhoto'));
  const picker = photoPicker({
    photos,
    onChange: () => {
      saveDraftPhotos(photos);
      if (photos.length && !place.get()) place.locate(false);
    },
    onGps: (gps) => {
      const current = place.get();
      if (!current || current.source === 'device' || current.source === 'photo') place.set({ ...gps, source: 'photo' });
    },
  });
  ctx.onCleanup(picker.destroy);
  photoSection.append(picker.el);

  const locSection = section('location', t('report.stepLocation'));
  const place = locationPicker({
    value: draft.loc,
    isCurrent: ctx.isCurrent,
    onCleanup: ctx.onCleanup,
    onChange: (loc) => { draft.loc = loc; save(); dups.update(draft.category, loc); lookUpIncidents(loc); },
  });
  // Emergency mode: the notices of the active incidents whose area holds the place, and their
  // categories first in the picker.
  const emergencyBox = h('div', { 'data-testid': 'emergency-notices' });
  let incidentsHere = [];
  const lookUpIncidents = debounce(async (loc) => {
    const found = await get('/incidents', { status: 'active', lat: loc.lat, lon: loc.lon }, { signal: ctx.signal }).then((d) => activeIncidents(d.items || [])).catch(() => null);
    if (!found || !ctx.isCurrent() || draft.loc !== loc) return;
    const changed = found.map((i) => i.id).join() !== incidentsHere.map((i) => i.id).join();
    incidentsHere = found;
    replace(emergencyBox, ...found.filter((i) => i.notice).map((i) => h('div', { class: 'notice incident-notice', role: 'status', 'data-testid': 'incident-notice', 'data-incident-id': String(i.id) },
      h('strong', null, icon('alert'), t('report.incidentHere', { title: i.title }), h('span', { class: `sev sev-${i.severity}` }, t(`report.severity.${i.severity}`))),
      h('span', null, i.notice))));
    if (changed && categories.length) paintPicker();
  }, 400);
  const address = h('input', { name: 'address', type: 'text', autocomplete: 'street-address', value: draft.address || '', oninput: (e) => { draft.address = e.target.value; save(); } });
  locSection.append(place.el, emergencyBox, field({ label: t('report.address'), hint: t('form.optional'), input: address }));

  const catSection = section('category', t('report.stepCategory'));
  const catBody = h('div', null, skeletonList(2));
  const answersBox = h('div');
  catSection.append(catBody, answersBox);

  const dups = duplicatesPanel({
    signal: ctx.signal,
    signedIn: () => !!currentUser(),
    onSupported: async (c) => {
      closed = true;
      await clearDraft();
      toast(t('report.meTooDone', { id: c.id }), { tone: 'success' });
      ctx.navigate(`/cases/${c.id}`);
    },
  });

  const description = h('textarea', { name: 'description', rows: 4, required: true, value: draft.description || '', 'data-testid': 'description',
    oninput: (e) => { draft.description = e.target.value; save(); } });
  const title = h('input', { name: 'title', type: 'text', maxlength: 120, value: draft.title || '', oninput: (e) => { draft.title = e.target.value; save(); } });
  const check = (name, label, hint) => {
    const input = h('input', { type: 'checkbox', name, id: `report-${name}`, checked: !!draft[name], 'data-testid': name,
      onchange: (e) => { draft[name] = e.target.checked; save(); } });
    return h('div', { class: 'check' }, input, h('label', { for: input.id }, label, h('span', { class: 'hint' }, hint)));
  };
  const detailsSection = section('details', t('report.stepDetails'));
  detailsSection.append(
    field({ label: t('report.description'), hint: t('report.descriptionHint'), input: description }),
    h('details', { class: 'more', open: !!(draft.title || draft.anonymous || draft.urgent) },
      h('summary', null, t('report.moreDetails')),
      field({ label: t('report.titleLabel'), hint: t('form.optional'), input: title }),
      check('anonymous', t('report.anonymous'), t('report.anonymousHint')),
      check('urgent', t('report.urgent'), t('report.urgentHint'))));

  const sendBtn = h('button', { type: 'submit', class: 'btn btn-primary btn-big', 'data-testid': 'send-report' }, icon('send'), t('report.send'));
  const next = encodeURIComponent('/report');
  const bar = currentUser()
    ? h('div', { class: 'submit-bar' }, sendBtn)
    : h('div', { class: 'signin-note' },
      h('p', null, t('report.signInToSend')),
      h('div', { class: 'row wrap' },
        h('a', { class: 'btn btn-primary', href: `/login?next=${next}`, 'data-testid': 'report-sign-in' }, t('account.signIn')),
        h('a', { class: 'btn btn-secondary', href: `/register?next=${next}` }, t('account.register'))));
  const discardBtn = h('button', { type: 'button', class: 'btn btn-ghost discard', onclick: discard }, t('report.discard'));

  const form = h('form', { class: 'report-form', novalidate: true, onsubmit: submit },
    photoSection, locSection, catSection, dups.el, detailsSection, bar, discardBtn);
  ctx.root.append(screenHeader(t('report.title')), form);

  loadCategories();
  if (draft.loc) { dups.update(draft.category, draft.loc); lookUpIncidents(draft.loc); }

  async function loadCategories() {
    replace(catBody, skeletonList(2));
    try { categories = await getCategories(); } catch (e) {
      if (ctx.isCurrent()) replace(catBody, errorState(e, { onRetry: loadCategories }));
      return;
    }
    if (!ctx.isCurrent()) return;
    paintPicker();
    renderAnswers();
  }

  function paintPicker() {
    const recent = recentCategories().filter((code) => categories.some((c) => c.code === code));
    const first = incidentCategories(incidentsHere).filter((code) => categories.some((c) => c.code === code));
    replace(catBody, categoryPicker({ categories, value: draft.category, recent, first, onChange: chooseCategory }).el);
  }

  function chooseCategory(c) {
    if (draft.category !== c.code) draft.answers = {};
    draft.category = c.code;
    save();
    renderAnswers();
    if (!draft.loc && !place.get()) place.locate(false);
    dups.update(c.code, draft.loc);
  }

  /** What the city says for the category; one that only diverts (an emergency number)
   * takes no report, so the form stops here and says why. */
  function noticeOf(c) {
    const text = localNotice(c);
    if (!text) return null;
    return h('p', { class: `notice category-notice${c.notice_stops ? ' stops' : ''}`, role: c.notice_stops ? 'alert' : 'status', 'data-testid': 'category-notice' },
      icon(c.notice_stops ? 'alert' : 'info'), h('span', null, text));
  }

  /** The notices of the incidents here that ask for this category. */
  function incidentNoticesFor(c) {
    return incidentsHere.filter((i) => c && i.notice && (i.categories || []).includes(c.code)).map((i) => h('p', { class: 'notice incident-notice', 'data-testid': 'category-incident-notice' },
      h('strong', null, icon('alert'), t('report.incidentHere', { title: i.title })), h('span', null, i.notice)));
  }

  function renderAnswers() {
    const c = category();
    sendBtn.disabled = !!c?.notice_stops;
    if (c?.notice_stops) { replace(answersBox, noticeOf(c)); return; }
    const fields = attributeFields(c, draft.answers, () => save());
    replace(answersBox, noticeOf(c) || '', ...incidentNoticesFor(c), expectationLine(draft.category), ...(fields ? [h('h3', null, t('report.moreQuestions')), fields] : []));
  }

  function section(name, heading) {
    const id = `report-${name}-h`;
    return h('section', { class: 'report-step', 'data-field': name, tabindex: '-1', 'aria-labelledby': id }, h('h2', { id }, heading));
  }

  function validate() {
    const fields = {};
    if (!draft.loc) fields.location = [t('report.needLocation')];
    if (!draft.category) fields.category = [t('report.needCategory')];
    else if (category()?.notice_stops) fields.category = [localNotice(category())];
    if (!(draft.description || '').trim()) fields.description = [t('report.needDescription')];
    for (const code of missingAnswers(category(), draft.answers)) fields[`answers.${code}`] = [t('form.requiredField')];
    return fields;
  }

  function body() {
    const fd = new FormData();
    fd.set('category', draft.category);
    fd.set('lat', String(draft.loc.lat));
    fd.set('lon', String(draft.loc.lon));
    fd.set('description', draft.description.trim());
    if (draft.title?.trim()) fd.set('title', draft.title.trim());
    if (draft.address?.trim()) fd.set('address', draft.address.trim());
    fd.set('anonymous', draft.anonymous ? 'true' : 'false');
    fd.set('priority', draft.urgent ? 'urgent' : 'normal');
    if (Object.keys(draft.answers).length) fd.set('answers', JSON.stringify(draft.answers));
    photos.forEach((p) => fd.append('photos', p.blob, p.name));
    return fd;
  }

  function serverFields(e) {
    const out = {};
    for (const [k, v] of Object.entries(e.fields || {})) {
      const key = k === 'lat' || k === 'lon' ? 'location' : k.startsWith('answers') && k.includes('.') ? k : k === 'answers' ? 'category' : k;
      out[key] = [...(out[key] || []), ...[].concat(v)];
    }
    return { ...e, fields: out };
  }

  async function finish(href, message) {
    closed = true;
    rememberCategory(draft.category);
    await clearDraft();
    toast(message, { tone: 'success' });
    if (ctx.isCurrent()) ctx.navigate(href); // not if the person has moved on meanwhile
  }

  async function submit(event) {
    event.preventDefault();
    clearFieldErrors(form);
    const problems = validate();
    if (Object.keys(problems).length) { showFieldErrors(form, { fields: problems }); return; }
    draft.key ||= newKey(); // one key for this report, kept in the draft across retries
    save.flush();
    setBusy(sendBtn, true);
    const summary = {
      category: draft.category, categoryName: localName(category()) || draft.category,
      description: draft.description.trim().slice(0, 140), address: draft.address || '', thumb: photos[0]?.thumb || null,
    };
    const queue = async () => {
      await enqueue({ path: '/cases', body: body(), key: draft.key, summary, userId: currentUser()?.id });
      await finish('/my', t('report.savedOffline'));
    };
    try {
      if (!navigator.onLine) { await queue(); return; }
      // A connection that hangs (weak signal) counts as offline after a while: the report goes to
      // the outbox with the same key, so if the server did get it, nothing is created twice.
      const slow = new AbortController();
      const timer = setTimeout(() => slow.abort(), SEND_TIMEOUT_MS);
      const created = await create('/cases', body(), { key: draft.key, signal: slow.signal }).finally(() => clearTimeout(timer));
      await finish(`/cases/${created.id}`, t('outbox.sentToast', { id: created.id }));
      offerPushAfterReport();
    } catch (e) {
      if (RETRYABLE(e) || e.name === 'AbortError') { await queue(); return; }
      setBusy(sendBtn, false);
      showFieldErrors(form, e instanceof ApiError ? serverFields(e) : { fields: {} });
    }
  }

  async function discard() {
    closed = true;
    await clearDraft();
    ctx.navigate('/report', { replace: true });
  }
}
