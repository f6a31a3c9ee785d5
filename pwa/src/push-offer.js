// The Web Push question, asked once a report has been sent (the moment it is worth something).
import { t } from './i18n.js';
import { enablePush, markPushOffered, shouldOfferPush } from './push.js';
import { toast } from './ui.js';
import { currentUser } from './session.js';

export function offerPushAfterReport() {
  if (!currentUser() || !shouldOfferPush()) return;
  markPushOffered();
  toast(t('push.offer'), {
    timeout: 0,
    actionLabel: t('push.enable'),
    onAction: () => enablePush()
      .then(() => toast(t('push.enabled'), { tone: 'success' }))
      .catch((e) => toast(e.message === 'push_denied' ? t('push.denied') : t('push.failed'), { tone: 'error' })),
  });
}
