// The two catalogues have the same keys and placeholders, and every key the code names exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pickLang } from '../src/i18n.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');
const load = (name) => JSON.parse(fs.readFileSync(path.join(SRC, 'i18n', name), 'utf8'));
const en = load('en.json');
const zh = load('zh-CN.json');
// The desks' catalogue (staff, volunteers), loaded with their screens.
const staffEn = load('staff/en.json');
const staffZh = load('staff/zh-CN.json');
// The incident screens' catalogue, loaded with them (staff and residents).
const incEn = load('incidents/en.json');
const incZh = load('incidents/zh-CN.json');
const allEn = { ...en, ...staffEn, ...incEn };
const PLURAL = new Set(['zero', 'one', 'two', 'few', 'many', 'other']);

const forms = (value) => (typeof value === 'string' ? [value] : Object.values(value));
const placeholders = (value) => new Set(forms(value).flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])));

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.js') ? [p] : [];
  });
}

test('en and zh-CN have the same keys', () => {
  const a = Object.keys(en).sort();
  const b = Object.keys(zh).sort();
  assert.deepEqual(a.filter((k) => !(k in zh)), [], 'missing in zh-CN.json');
  assert.deepEqual(b.filter((k) => !(k in en)), [], 'missing in en.json');
});

test('the staff catalogues have the same keys and placeholders, none shared with the base', () => {
  assert.deepEqual(Object.keys(staffEn).sort(), Object.keys(staffZh).sort());
  for (const key of Object.keys(staffEn)) {
    assert.deepEqual([...placeholders(staffZh[key])].sort(), [...placeholders(staffEn[key])].sort(), key);
    assert.ok(!(key in en), `${key} is in both en.json and staff/en.json`);
  }
});

test('the incident catalogues have the same keys and placeholders, none shared with the others', () => {
  assert.deepEqual(Object.keys(incEn).sort(), Object.keys(incZh).sort());
  for (const key of Object.keys(incEn)) {
    assert.deepEqual([...placeholders(incZh[key])].sort(), [...placeholders(incEn[key])].sort(), key);
    assert.ok(!(key in en) && !(key in staffEn), `${key} is in two catalogues`);
  }
});

test('every message is a string or a plural object with an "other" form', () => {
  for (const [name, catalogue] of [['en', en], ['zh-CN', zh], ['staff en', staffEn], ['staff zh-CN', staffZh], ['incidents en', incEn], ['incidents zh-CN', incZh]]) {
    for (const [key, value] of Object.entries(catalogue)) {
      if (typeof value === 'string') { assert.ok(value.trim(), `${name} ${key} is empty`); continue; }
      assert.equal(typeof value, 'object', `${name} ${key}`);
      assert.ok(Object.keys(value).every((f) => PLURAL.has(f)), `${name} ${key} has an unknown plural form`);
      assert.ok(value.other, `${name} ${key} needs an "other" form`);
    }
  }
});

test('placeholders match between languages', () => {
  for (const key of Object.keys(en)) {
    assert.deepEqual([...placeholders(zh[key])].sort(), [...placeholders(en[key])].sort(), key);
  }
});

test('every message key named in the code exists', () => {
  const namespaces = new Set(Object.keys(allEn).map((k) => k.split('.')[0]));
  const socketEvents = new Set(['case.event', 'case.comment', 'proposal.updated', 'proposal.comment', 'moderation.item',
    'incident.event', 'incident.updated', 'incident.offered', 'incident.task']);
  const missing = new Set();
  for (const file of sourceFiles(SRC)) {
    const code = fs.readFileSync(file, 'utf8');
    for (const [, key] of code.matchAll(/'([a-zA-Z]+\.[A-Za-z0-9_.]+)'/g)) {
      if (namespaces.has(key.split('.')[0]) && !socketEvents.has(key) && !(key in allEn)) missing.add(`${path.relative(SRC, file)}: ${key}`);
    }
  }
  assert.deepEqual([...missing], []);
});

test('dynamic keys for every status, filter, channel and proposal status exist', () => {
  const need = [
    ...['submitted', 'accepted', 'assigned', 'in_progress', 'resolved', 'closed', 'rejected', 'merged'].map((s) => `status.${s}`),
    ...['open', 'new', 'working', 'done', 'all'].map((f) => `filter.${f}`),
    ...['live', 'push', 'digest', 'off'].map((c) => `prefs.channel.${c}`),
    ...['new', 'supported', 'near'].map((s) => `proposals.sort.${s}`),
    ...['support', 'oppose'].map((v) => `proposal.${v}`),
    ...['none', 'photo', 'device', 'map', 'typed'].map((s) => `report.loc.${s}`),
    ...['home', 'my', 'report', 'proposals', 'account'].map((s) => `nav.${s}`),
    'event.assignTo', 'event.transferTo',
  ];
  assert.deepEqual(need.filter((k) => !(k in en)), []);
  const desks = [
    ...['accept', 'reject', 'merge', 'assign', 'transfer', 'start', 'resolve', 'close', 'confirm', 'reopen'].map((a) => `desk.act.${a}`),
    ...['list', 'map'].map((v) => `inbox.view.${v}`),
    ...['hide', 'restore', 'dismiss'].map((a) => `mod.done.${a}`),
    ...['spam', 'abuse', 'personal_data', 'off_topic', 'other'].map((r) => `mod.flagReason.${r}`),
    ...['all', 'flagged', 'new', 'hidden'].map((k) => `mod.kind.${k}`),
    ...['case', 'proposal', 'comment'].map((k) => `mod.type.${k}`),
    ...['review', 'accepted', 'done'].map((k) => `pdesk.view.${k}`),
    ...['minor', 'moderate', 'severe', 'extreme'].map((k) => `inbox.severity.${k}`),
  ];
  assert.deepEqual(desks.filter((k) => !(k in staffEn)), []);
  const incidents = [
    ...['minor', 'moderate', 'severe', 'extreme'].map((k) => `inc.severity.${k}`),
    ...['active', 'closed'].map((k) => `inc.status.${k}`),
    ...['active', 'closed'].map((k) => `inc.tab.${k}`),
    ...['declare', 'update', 'join', 'link', 'unlink', 'task_done', 'note', 'alert', 'close'].map((k) => `inc.event.${k}`),
  ];
  assert.deepEqual(incidents.filter((k) => !(k in incEn)), []);
  assert.deepEqual(['minor', 'moderate', 'severe', 'extreme'].map((k) => `report.severity.${k}`).filter((k) => !(k in en)), []);
});

test('language is chosen from the browser unless one was stored', () => {
  assert.equal(pickLang(['zh-TW', 'en']), 'zh-CN');
  assert.equal(pickLang(['en-GB']), 'en');
  assert.equal(pickLang(['fr-FR', 'zh-CN']), 'zh-CN');
  assert.equal(pickLang(['fr-FR']), 'en');
  assert.equal(pickLang(['zh-CN'], 'en'), 'en');
  assert.equal(pickLang(['en'], 'xx'), 'en');
});

test('every message that counts goes through the plural rules', () => {
  // "{count} ..." in a plain string reads "1 supporters": it must be a plural object with "one".
  for (const [key, value] of Object.entries(allEn)) {
    if (placeholders(value).has('count')) {
      assert.equal(typeof value, 'object', `${key} has {count} but no plural forms`);
      assert.ok(value.one && value.other, `${key} needs "one" and "other" forms`);
    }
  }
  // A number printed by the code and followed by a fixed word ("formatNumber(n), t('...Word')")
  // cannot agree with the number: say the whole phrase with t(key, { count }) instead.
  const glued = [];
  for (const file of sourceFiles(SRC)) {
    const code = fs.readFileSync(file, 'utf8');
    for (const m of code.matchAll(/formatNumber\(/g)) {
      if (/:\s*$/.test(code.slice(Math.max(0, m.index - 4), m.index))) continue; // a parameter of t()
      const after = code.slice(m.index + m[0].length, m.index + m[0].length + 120).split(/formatNumber\(|\n\s*\n/)[0];
      for (const [, key] of after.matchAll(/\bt\('([\w.]+)'\)/g)) {
        if (typeof allEn[key] === 'string' && !allEn[key].includes('{')) glued.push(`${path.relative(SRC, file)}: ${key}`);
      }
    }
  }
  assert.deepEqual(glued, []);
});
