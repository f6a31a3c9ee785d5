// Dates, numbers and deadlines through Intl, in the current UI language.
import { getLang, t } from './i18n.js';

// Building an Intl formatter costs far more than using one (a few ms each on a phone, which made
// a list of 20 cases a long task): keep one per language and options.
const formatters = new Map();
function formatter(Kind, options) {
  const key = `${Kind.name}|${getLang()}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) { f = new Kind(getLang(), options); formatters.set(key, f); }
  return f;
}

/**
 * Build the formatters a case list uses ahead of it, one per task (the first Intl object of a page
 * loads locale data: 15-57 ms on this app's test host), while the screen waits for its data.
 */
export function prepareListFormats() {
  const now = new Date().toISOString();
  const steps = [() => relativeTime(now), () => formatDateTime(now), () => formatNumber(1)];
  const next = () => { steps.shift()(); if (steps.length) setTimeout(next, 0); };
  setTimeout(next, 0);
}

const UNITS = [
  ['year', 365 * 24 * 3600], ['month', 30 * 24 * 3600], ['week', 7 * 24 * 3600],
  ['day', 24 * 3600], ['hour', 3600], ['minute', 60],
];

export function formatDateTime(iso) {
  if (!iso) return '';
  return formatter(Intl.DateTimeFormat, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function formatNumber(n) {
  return formatter(Intl.NumberFormat, {}).format(n || 0);
}

/** The largest unit that fits, e.g. 90000 s -> {value: 1, unit: 'day'}. */
export function bestUnit(seconds) {
  const abs = Math.abs(seconds);
  for (const [unit, size] of UNITS) if (abs >= size) return { value: Math.floor(abs / size), unit };
  return { value: 0, unit: 'minute' };
}

/** "3 hours ago", "in 2 days", "now". */
export function relativeTime(iso, now = Date.now()) {
  if (!iso) return '';
  const seconds = (new Date(iso).getTime() - now) / 1000;
  const { value, unit } = bestUnit(seconds);
  return formatter(Intl.RelativeTimeFormat, { numeric: 'auto' }).format(seconds < 0 ? -value : value, unit);
}

/** "2 days", "3 hours": a duration alone, for sentences like "3 hours overdue". */
export function duration(seconds) {
  const { value, unit } = bestUnit(seconds);
  return formatter(Intl.NumberFormat, { style: 'unit', unit, unitDisplay: 'long' }).format(Math.max(value, 1));
}

/**
 * The deadline as a plain sentence ("Due in 2 days", "3 hours overdue"), or '' when none applies.
 * Whether the clock runs (`open`) and whether it is `overdue` are the server's word, never worked
 * out here; only the wording follows the time.
 */
export function deadlineSentence(kase, now = Date.now()) {
  if (!kase || !kase.due_at || !kase.open) return '';
  const seconds = (new Date(kase.due_at).getTime() - now) / 1000;
  if (kase.overdue) return t('deadline.overdue', { duration: duration(Math.max(-seconds, 60)) });
  return t('deadline.due', { when: relativeTime(seconds > 0 ? kase.due_at : new Date(now).toISOString(), now) });
}

export function distance(meters) {
  const km = meters >= 1000;
  return formatter(Intl.NumberFormat, {
    style: 'unit', unit: km ? 'kilometer' : 'meter', maximumFractionDigits: km ? 1 : 0,
  }).format(km ? meters / 1000 : Math.round(meters));
}
