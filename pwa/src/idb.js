// A few promise helpers over IndexedDB, shared by the page and the service worker.
const DB_NAME = 'cityloop';
const DB_VERSION = 1;
let dbPromise = null;

export function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains('outbox')) db.createObjectStore('outbox', { keyPath: 'id', autoIncrement: true });
        if (!db.objectStoreNames.contains('drafts')) db.createObjectStore('drafts', { keyPath: 'id' });
      };
      req.onsuccess = () => {
        req.result.onversionchange = () => { req.result.close(); dbPromise = null; };
        resolve(req.result);
      };
      req.onerror = () => { dbPromise = null; reject(req.error); };
    });
  }
  return dbPromise;
}

const done = (req) => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

/** Run one request on a store: withStore('outbox', 'readwrite', (s) => s.put(entry)). */
export async function withStore(name, mode, fn) {
  const db = await openDb();
  const tx = db.transaction(name, mode);
  const result = await done(fn(tx.objectStore(name)));
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
  return result;
}

export const idbGet = (store, key) => withStore(store, 'readonly', (s) => s.get(key));
export const idbAll = (store) => withStore(store, 'readonly', (s) => s.getAll());
export const idbPut = (store, value) => withStore(store, 'readwrite', (s) => s.put(value));
export const idbDelete = (store, key) => withStore(store, 'readwrite', (s) => s.delete(key));
