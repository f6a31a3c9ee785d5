// The report being written, kept as it is typed: fields in localStorage, photos in IndexedDB
// (as ArrayBuffers, like the outbox).
import { idbDelete, idbGet, idbPut } from './idb.js';

const FIELDS_KEY = 'cityloop.draft.report';
const PHOTOS_ID = 'report-photos';

export function loadDraft() {
  try { return JSON.parse(localStorage.getItem(FIELDS_KEY)) || {}; } catch { return {}; }
}

export function saveDraft(fields) {
  try { localStorage.setItem(FIELDS_KEY, JSON.stringify(fields)); } catch { /* storage full or off */ }
}

export async function loadDraftPhotos() {
  try {
    const rec = await idbGet('drafts', PHOTOS_ID);
    return (rec?.photos || []).map((p) => ({ ...p, blob: new Blob([p.buffer], { type: p.type }), buffer: undefined }));
  } catch { return []; }
}

export async function saveDraftPhotos(photos) {
  try {
    const stored = await Promise.all(photos.map(async ({ blob, ...rest }) => ({ ...rest, buffer: await blob.arrayBuffer() })));
    await idbPut('drafts', { id: PHOTOS_ID, photos: stored });
  } catch { /* no IndexedDB: photos are kept for this visit only */ }
}

export async function clearDraft() {
  try { localStorage.removeItem(FIELDS_KEY); } catch { /* ignore */ }
  try { await idbDelete('drafts', PHOTOS_ID); } catch { /* ignore */ }
}

const RECENT_KEY = 'cityloop.recentCategories';
export function recentCategories() {
  try { return JSON.parse(localStorage.getItem(RECENT_KEY)) || []; } catch { return []; }
}
export function rememberCategory(code) {
  const list = [code, ...recentCategories().filter((c) => c !== code)].slice(0, 5);
  try { localStorage.setItem(RECENT_KEY, JSON.stringify(list)); } catch { /* ignore */ }
}
