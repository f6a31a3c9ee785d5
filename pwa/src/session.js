// Who is signed in. `undefined` = not known yet, `null` = signed out, else the /me object.
import { ApiError, get, post, resetCsrf } from './api.js';

let me;
const listeners = new Set();
const ROLE_RANK = { resident: 0, volunteer: 1, staff: 2, admin: 3 };
// The last answer about who is signed in, for a start without a connection: the app opens as
// that person (their cases, the outbox) instead of signed out. Dropped on sign-out.
const STORE_KEY = 'cityloop.me';

function remember(user) {
  try {
    if (user) localStorage.setItem(STORE_KEY, JSON.stringify(user));
    else localStorage.removeItem(STORE_KEY);
  } catch { /* private mode: nothing kept */ }
}

function remembered() {
  try { return JSON.parse(localStorage.getItem(STORE_KEY) || 'null'); } catch { return null; }
}

function set(user) {
  const before = me ? me.id : null;
  const after = user ? user.id : null;
  // Another person (or nobody) now: drop API answers the worker kept for the previous one.
  if (me !== undefined && before !== after) navigator.serviceWorker?.controller?.postMessage({ type: 'clear-api-cache' });
  me = user;
  remember(user);
  listeners.forEach((fn) => fn(me));
}

export const currentUser = () => me;
export const onSessionChange = (fn) => { listeners.add(fn); return () => listeners.delete(fn); };

/** Where a person's desk is: the inbox for staff and admins, moderation for volunteers. */
export function deskHref(user) {
  if (!user) return null;
  if (user.role === 'staff' || user.role === 'admin') return '/staff';
  if (user.role === 'volunteer') return '/moderation';
  return null;
}

/** The codes of the departments ``user`` heads (staff); admins head them all anyway. */
export const headOf = (user) => (user?.departments || []).filter((d) => d.is_head).map((d) => d.code);

/** Who opens the admin console: admins, and department heads for their own departments. */
export const mayAdminister = (user) => user?.role === 'admin' || (user?.role === 'staff' && headOf(user).length > 0);

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
    // Offline (or the server unreachable): whoever was signed in last on this device, else
    // browse read-only. The next answer from the server corrects it.
    else if (me === undefined) {
      set(remembered());
      if (me) addEventListener('online', recheck, { once: true });
    }
  }
  return me;
}

/** Back online after starting from the remembered person: ask the server, and change the
 * session only if it says otherwise (signed out meanwhile, or someone else). */
async function recheck() {
  try {
    const user = (await get('/auth/session')).user || null;
    if ((user && user.id) !== (me && me.id)) set(user);
    else if (user) { me = user; remember(user); }
  } catch { /* still unreachable: keep what we have */ }
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
