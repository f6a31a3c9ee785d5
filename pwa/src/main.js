// Start-up: language, shell, routes, session, service worker, outbox. Screens load on demand.
import { replace } from './dom.js';
import { detectLang, onLangChange, setLang, t } from './i18n.js';
import { loadMe, onSessionChange } from './session.js';
import { preloadCurrent, refresh, setFallbacks, start } from './router.js';
import { onOutboxChange, startOutbox } from './outbox.js';
import { refreshWaiting, renderShell, setActiveTab, watchConnection, watchUser } from './shell.js';
import { registerServiceWorker } from './sw-client.js';
import { errorState, forbiddenState, skeletonList, toast } from './ui.js';
import { offerPushAfterReport } from './push-offer.js';
import { rerenderAlerts, setAlertPlace, startAlertBanner } from './alert-banner.js';
import './routes.js';

setFallbacks({
  loading: (ctx) => { replace(ctx.root, skeletonList(3)); },
  loadError: (ctx, e) => replace(ctx.root, errorState(e && e.status != null ? e : { status: navigator.onLine ? undefined : 0 }, { onRetry: () => location.reload() })),
  forbidden: (ctx) => replace(ctx.root, ...forbiddenState()),
});

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

async function boot() {
  const meReady = loadMe();
  preloadCurrent();
  await setLang(detectLang());
  renderShell();
  watchConnection();
  onLangChange(() => { renderShell(); rerenderAlerts(); refresh(); });

  onOutboxChange((msg) => {
    refreshWaiting();
    if (msg.type === 'sent') {
      for (const entry of msg.entries || []) {
        toast(t('outbox.sentToast', { id: entry.result?.id ?? '' }), { tone: 'success' });
      }
      offerPushAfterReport();
    }
  });
  refreshWaiting();

  // Public screens wait for the session only briefly: a slow /me must not hold the first paint.
  let renderedUnknown = false;
  const ready = (route) => (route.auth || route.roles ? meReady
    : Promise.race([meReady.then((user) => ({ user })), sleep(2500)]).then((won) => {
      if (!won) renderedUnknown = true;
      return won?.user;
    }));
  await start(document.getElementById('main'), { ready, onRoute: setActiveTab });
  registerServiceWorker();
  const user = await meReady;
  watchUser(user);
  setAlertPlace(user).then(startAlertBanner);
  if (renderedUnknown) refresh();
  onSessionChange((u) => { watchUser(u); setAlertPlace(u); refresh(); });
  startOutbox({ onSignIn: (fn) => onSessionChange((u) => { if (u) fn(); }) });
}

boot();
