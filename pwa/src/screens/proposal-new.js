// Write a proposal: title, text, topic, optionally where. Kept as a draft while typed.
import { h, icon, debounce, replace } from '../dom.js';
import { localName, t } from '../i18n.js';
import { create, get, newKey } from '../api.js';
import { clearFieldErrors, field, screenHeader, setBusy, showFieldErrors } from '../ui.js';
import { getPosition, roundCoord } from '../geo.js';

const DRAFT_KEY = 'cityloop.draft.proposal';

export default function proposalNew(ctx) {
  let draft = {};
  try { draft = JSON.parse(localStorage.getItem(DRAFT_KEY)) || {}; } catch { /* ignore */ }
  let closed = false;
  const save = debounce(() => { if (!closed) localStorage.setItem(DRAFT_KEY, JSON.stringify(draft)); }, 300);
  ctx.onCleanup(() => save.flush());
  const bind = (name) => (e) => { draft[name] = e.target.value; save(); };

  const title = h('input', { name: 'title', type: 'text', required: true, maxlength: 160, value: draft.title || '', oninput: bind('title'), 'data-testid': 'proposal-title' });
  const body = h('textarea', { name: 'body', rows: 8, required: true, value: draft.body || '', oninput: bind('body'), 'data-testid': 'proposal-body' });
  const topic = h('select', { name: 'topic', required: true, onchange: bind('topic'), 'data-testid': 'proposal-topic' },
    h('option', { value: '' }, t('state.loading')));
  const whereText = h('span', { class: 'muted', role: 'status' }, draft.lat != null ? t('proposalNew.placeAdded') : '');
  const where = h('input', { type: 'checkbox', id: 'proposal-where', checked: draft.lat != null, onchange: toggleWhere });
  const send = h('button', { type: 'submit', class: 'btn btn-primary btn-big', 'data-testid': 'proposal-send' }, icon('send'), t('proposalNew.publish'));
  const form = h('form', { class: 'stack', novalidate: true, onsubmit: submit },
    field({ label: t('proposalNew.titleLabel'), input: title }),
    field({ label: t('proposalNew.bodyLabel'), hint: t('proposalNew.bodyHint'), input: body }),
    field({ label: t('proposalNew.topic'), input: topic }),
    h('div', { class: 'check' }, where, h('label', { for: where.id }, t('proposalNew.addPlace'), h('span', { class: 'hint' }, t('proposalNew.addPlaceHint')))),
    whereText,
    h('div', { class: 'submit-bar' }, send));
  ctx.root.append(screenHeader(t('proposalNew.title'), { back: '/proposals' }), form);

  get('/proposals/topics', null, { signal: ctx.signal }).then((data) => {
    replace(topic, h('option', { value: '' }, t('report.choose')),
      ...(data.items || []).map((c) => h('option', { value: c.code, selected: c.code === draft.topic }, localName(c))));
  }).catch(() => {
    replace(topic, h('option', { value: '' }, t('error.topics')));
  });

  async function toggleWhere() {
    if (!where.checked) { delete draft.lat; delete draft.lon; whereText.textContent = ''; save(); return; }
    whereText.textContent = t('report.locating');
    try {
      const pos = await getPosition();
      draft.lat = roundCoord(pos.lat); draft.lon = roundCoord(pos.lon);
      whereText.textContent = t('proposalNew.placeAdded');
    } catch (e) {
      where.checked = false;
      whereText.textContent = e.message === 'denied' ? t('geo.denied') : t('geo.unavailable');
    }
    save();
  }

  async function submit(e) {
    e.preventDefault();
    clearFieldErrors(form);
    const missing = {};
    const needsTopic = topic.options.length > 1; // a city without topics asks for none
    for (const [name, el] of [['title', title], ['body', body], ...(needsTopic ? [['topic', topic]] : [])]) if (!el.value.trim()) missing[name] = [t('form.requiredField')];
    if (Object.keys(missing).length) { showFieldErrors(form, { fields: missing }); return; }
    draft.key ||= newKey();
    save.flush();
    setBusy(send, true);
    try {
      const p = await create('/proposals', {
        title: title.value.trim(), body: body.value.trim(), ...(topic.value ? { topic: topic.value } : {}),
        ...(draft.lat != null ? { lat: draft.lat, lon: draft.lon } : {}),
      }, { key: draft.key, signal: ctx.signal });
      closed = true;
      localStorage.removeItem(DRAFT_KEY);
      ctx.navigate(`/proposals/${p.id}`, { replace: true });
    } catch (err) {
      setBusy(send, false);
      showFieldErrors(form, err);
    }
  }
}
