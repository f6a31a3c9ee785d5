// One colour, one icon and one word per case status, used by chips, map pins and the timeline.
import { h, icon } from './dom.js';
import { t } from './i18n.js';

export const STATUSES = ['submitted', 'accepted', 'assigned', 'in_progress', 'resolved', 'closed', 'rejected', 'merged'];
export const STATUS_ICON = {
  submitted: 'inbox', accepted: 'check-circle', assigned: 'user-check', in_progress: 'wrench',
  resolved: 'check', closed: 'lock', rejected: 'x-circle', merged: 'merge',
};

export const statusLabel = (status) => t(`status.${status}`);

export function statusChip(status) {
  const s = STATUS_ICON[status] ? status : 'submitted';
  return h('span', { class: `chip status status-${s}`, 'data-testid': 'status-chip', 'data-status': status },
    icon(STATUS_ICON[s]), h('span', null, statusLabel(status)));
}

/** Filter groups for lists and the map: chip key -> status list. */
export const STATUS_FILTERS = {
  open: ['submitted', 'accepted', 'assigned', 'in_progress'],
  new: ['submitted', 'accepted'],
  working: ['assigned', 'in_progress'],
  done: ['resolved', 'closed'],
  all: [],
};
