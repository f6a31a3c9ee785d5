// Message catalogue: one flat JSON file per language, loaded on demand. Text never lives in code.
export const LANGS = [
  { code: 'en', name: 'English' },
  { code: 'zh-CN', name: '简体中文' },
];
const loaders = {
  en: () => import('./i18n/en.json'),
  'zh-CN': () => import('./i18n/zh-CN.json'),
};
// Catalogues only some people need (the staff desks), loaded with their screens and kept in step
// with the language: the residents' first load does not carry them.
const extraLoaders = {
  staff: {
    en: () => import('./i18n/staff/en.json'),
    'zh-CN': () => import('./i18n/staff/zh-CN.json'),
  },
  incidents: {
    en: () => import('./i18n/incidents/en.json'),
    'zh-CN': () => import('./i18n/incidents/zh-CN.json'),
  },
  dashboard: {
    en: () => import('./i18n/dashboard/en.json'),
    'zh-CN': () => import('./i18n/dashboard/zh-CN.json'),
  },
};
const extrasInUse = new Set();
const STORE_KEY = 'cityloop.lang';
let lang = 'en';
let messages = {};
const listeners = new Set();
const plurals = new Map();

export function pickLang(preferred = [], stored = null) {
  if (stored && loaders[stored]) return stored;
  for (const tag of preferred) {
    const low = String(tag).toLowerCase();
    if (low.startsWith('zh')) return 'zh-CN';
    if (low.startsWith('en')) return 'en';
  }
  return 'en';
}

export function detectLang() {
  let stored = null;
  try { stored = localStorage.getItem(STORE_KEY); } catch { /* private mode */ }
  return pickLang(navigator.languages || [navigator.language], stored);
}

export async function setLang(code, { persist = false } = {}) {
  const next = loaders[code] ? code : 'en';
  const extras = await Promise.all([...extrasInUse].map((name) => extraLoaders[name][next]()));
  messages = Object.assign({}, (await loaders[next]()).default, ...extras.map((m) => m.default));
  lang = next;
  document.documentElement.lang = next;
  if (persist) { try { localStorage.setItem(STORE_KEY, next); } catch { /* ignore */ } }
  listeners.forEach((fn) => fn(next));
}

/** Add an extra catalogue (e.g. 'staff') to the current language and every later one. */
export async function useMessages(name) {
  if (extrasInUse.has(name)) return;
  const extra = (await extraLoaders[name][lang]()).default;
  extrasInUse.add(name);
  Object.assign(messages, extra);
}

export const getLang = () => lang;
export const onLangChange = (fn) => { listeners.add(fn); return () => listeners.delete(fn); };

const numberFormats = new Map();
function numberFormat() {
  if (!numberFormats.has(lang)) numberFormats.set(lang, new Intl.NumberFormat(lang));
  return numberFormats.get(lang);
}

/** Look up a message; `{name}` placeholders are filled from params; plural forms by params.count (also written in the language's digits). */
export function t(key, params = {}) {
  let msg = messages[key];
  if (msg == null) return key;
  if (typeof msg === 'object') {
    if (!plurals.has(lang)) plurals.set(lang, new Intl.PluralRules(lang)); // costly to build
    const form = plurals.get(lang).select(Number(params.count) || 0);
    msg = msg[form] ?? msg.other;
  }
  return msg.replace(/\{(\w+)\}/g, (m, name) => {
    const value = params[name];
    if (value == null) return m;
    return name === 'count' && typeof value === 'number' ? numberFormat().format(value) : String(value);
  });
}

/** The name of a category or department in the current language: `names[lang]`, else `name`. */
export const localName = (item) => (item ? item.names?.[lang] || item.name : undefined);

/** A category's notice in the person's language ("call 119 now"), or ''. */
export const localNotice = (category) => (category ? category.notices?.[lang] || category.notice || '' : '');

/** Like t(), but for optional keys (e.g. notification kinds): falls back to the given text. */
export const tOr = (key, fallback, params) => (messages[key] != null ? t(key, params) : fallback);
