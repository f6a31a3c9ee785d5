// Web Push: subscribe this device, and ask at a meaningful moment (after a first report is sent).
import { del, get, post } from './api.js';

const ASKED_KEY = 'cityloop.pushAsked';

export const pushSupported = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

function keyBytes(base64url) {
  const pad = '='.repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob((base64url + pad).replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

export async function currentSubscription() {
  if (!pushSupported()) return null;
  const reg = await navigator.serviceWorker.getRegistration();
  return reg ? reg.pushManager.getSubscription() : null;
}

/** Ask permission (must run from a click), subscribe and register with the server. */
export async function enablePush() {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') throw new Error(permission === 'denied' ? 'push_denied' : 'push_dismissed');
  const { public_key: publicKey } = await get('/push/key');
  const reg = await navigator.serviceWorker.ready;
  const sub = (await reg.pushManager.getSubscription())
    || (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }));
  await post('/push/subscriptions', sub.toJSON());
  return sub;
}

export async function disablePush() {
  const sub = await currentSubscription();
  if (!sub) return;
  await del('/push/subscriptions', { endpoint: sub.endpoint }).catch(() => {});
  await sub.unsubscribe();
}

/** Whether to offer push now: supported, not yet decided, not declined recently. */
export function shouldOfferPush() {
  if (!pushSupported() || Notification.permission !== 'default') return false;
  try {
    const asked = Number(localStorage.getItem(ASKED_KEY)) || 0;
    return Date.now() - asked > 30 * 24 * 3600 * 1000;
  } catch { return false; }
}

export function markPushOffered() {
  try { localStorage.setItem(ASKED_KEY, String(Date.now())); } catch { /* ignore */ }
}
