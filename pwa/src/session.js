// Who is signed in. `undefined` = not known yet, `null` = signed out, else the /me object.
import { ApiError, get, post, resetCsrf } from './api.js';

let me;
const listeners = new Set();
const ROLE_RANK = { resident: 0, volunteer: 1, staff: 2, admin: 3 };

function set(user) {
  const before = me ? me.id : null;
  const after = user ? user.id : null;
  // Another person (or nobody) now: drop API answers the worker kept for the previous one.
  if (me !== undefined && before !== after) navigator.serviceWorker?.controller?.postMessage({ type: 'clear-api-cache' });
  me = user;
  listeners.forEach((fn) => fn(me));
}

export const currentUser = () => me;
export const onSessionChange = (fn) => { listeners.add(fn); return () => listeners.delete(fn); };

/** True when the user has one of the roles (admins pass every staff check). */
export function hasRole(user, roles) {
  if (!roles || !roles.length) return true;
  if (!user) return false;
  return roles.includes(user.role) || (user.role === 'admin' && roles.some((r) => ROLE_RANK[r] != null));
}

export async function loadMe() {
  try {
    // /auth/session answers 200 with user null when signed out (no console error).
    set((await get('/auth/session')).user || null);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) set(null);
    else if (me === undefined) set(null); // offline with nothing cached: browse read-only
  }
  return me;
}

export async function login(email, password) {
  const user = await post('/auth/login', { email, password });
  resetCsrf();
  set(user && user.id ? user : await get('/me'));
  return me;
}

export async function register(fields) {
  const user = await post('/auth/register', fields);
  resetCsrf();
  set(user && user.id ? user : await get('/me'));
  return me;
}

export async function logout() {
  try { await post('/auth/logout'); } finally {
    resetCsrf();
    set(null);
  }
}

/** Update the local copy after a profile change. */
export const updateMe = (user) => set({ ...me, ...user });
