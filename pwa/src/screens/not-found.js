import { t } from '../i18n.js';
import { emptyState, screenHeader } from '../ui.js';

export default function notFound(ctx) {
  ctx.root.append(screenHeader(t('notFound.title')),
    emptyState({ iconName: 'map', title: t('notFound.text'), action: { href: '/', label: t('nav.home') } }));
}
