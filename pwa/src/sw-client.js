// Registers the service worker and offers a reload when a new version is waiting.
import { t } from './i18n.js';
import { toast } from './ui.js';

let reloading = false;

function offerUpdate(worker) {
  toast(t('update.ready'), {
    timeout: 0,
    actionLabel: t('update.reload'),
    onAction: () => { reloading = true; worker.postMessage({ type: 'skip-waiting' }); },
  });
}

/** Registered after the page has loaded, so the precache never competes with the first paint. */
export function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  if (document.readyState !== 'complete') {
    addEventListener('load', () => setTimeout(registerServiceWorker, 0), { once: true });
    return;
  }
  navigator.serviceWorker.addEventListener('controllerchange', () => { if (reloading) location.reload(); });
  navigator.serviceWorker.register('/sw.js').then((reg) => {
    const watch = (worker) => worker?.addEventListener('statechange', () => {
      if (worker.state === 'installed' && navigator.serviceWorker.controller) offerUpdate(worker);
    });
    if (reg.waiting && navigator.serviceWorker.controller) offerUpdate(reg.waiting);
    watch(reg.installing);
    reg.addEventListener('updatefound', () => watch(reg.installing));
    let lastCheck = Date.now();
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && Date.now() - lastCheck > 3600 * 1000) {
        lastCheck = Date.now();
        reg.update().catch(() => {});
      }
    });
  }).catch(() => { /* no worker (private mode, http): the app still works online */ });
}
