// Live updates over Socket.IO (loaded on demand). Rooms are re-joined after every reconnect with
// the last event id seen, and the server's `missed` list fills the gap, so nothing is lost.
const rooms = new Map(); // room -> {since, handlers: Set}
const statusListeners = new Set();
let socket = null;
let loading = null;

const ROOM_OF = {
  'case.event': (d) => `case:${d.case_id}`,
  'case.comment': (d) => `case:${d.case_id ?? d.comment?.case_id}`,
  'proposal.updated': (d) => `proposal:${d.proposal_id ?? d.proposal?.id ?? d.id}`,
  'proposal.comment': (d) => `proposal:${d.proposal_id ?? d.comment?.proposal_id}`,
  notification: () => 'user',
  'moderation.item': () => 'moderation',
  alert: () => 'alerts',
  'incident.event': (d) => `incident:${d.incident_id}`,
  'incident.updated': (d) => `incident:${d.incident?.id}`,
  'incident.offered': (d) => `incident:${d.incident_id}`,
  'incident.task': (d) => `department:${d.task?.department?.code}`,
};
// A department room hears of its cases' events through the same `case.event`: the socket only
// gets one for a case it is not watching when a department room sent it, so every department
// room the page joined gets each one (the inbox keeps the cases that are its own).
const toDepartments = (room) => room.startsWith('department:');
const ALSO_TO = { 'case.event': toDepartments, 'incident.task': toDepartments };
const EVENT_ID = {
  'case.event': (d) => d.event?.id,
  'incident.event': (d) => d.event?.id,
  notification: (d) => (d.notification ?? d).id,
  alert: (d) => d.id,
};
const eventIdOf = (type, d) => EVENT_ID[type]?.(d);

function setStatus(status) {
  statusListeners.forEach((fn) => fn(status));
}
export const onLiveStatus = (fn) => { statusListeners.add(fn); fn(socket?.connected ? 'connected' : 'connecting'); return () => statusListeners.delete(fn); };

function deliver(room, type, data, id) {
  const r = rooms.get(room);
  if (!r) return;
  if (id != null) {
    if (r.since != null && Number(id) <= Number(r.since)) return; // already seen (replayed twice)
    r.since = id;
  }
  r.handlers.forEach((fn) => fn(type, data));
}

function join(room) {
  const r = rooms.get(room);
  if (!r || !socket?.connected) return;
  const payload = r.since != null ? { room, since: r.since } : { room };
  socket.emit('subscribe', payload, (ack) => {
    if (!ack || !ack.ok) { r.handlers.forEach((fn) => fn('error', ack?.error || {})); return; }
    r.handlers.forEach((fn) => fn('joined', { room }));
    const missed = ack.missed || [];
    if (missed.length) r.handlers.forEach((fn) => fn('missed', missed));
    const last = missed.map((m) => m.id ?? m.event?.id).filter((v) => v != null).pop();
    if (last != null) r.since = last;
  });
}

async function ensureSocket() {
  if (socket) return socket;
  loading ||= import('socket.io-client').then(({ io }) => {
    socket = io({ path: '/socket.io', withCredentials: true });
    socket.on('connect', () => { setStatus('connected'); rooms.forEach((_, room) => join(room)); });
    socket.on('disconnect', () => setStatus('disconnected'));
    // Who may be in a room changed (a transfer, hiding): subscribe again, access is checked anew.
    socket.on('room.reset', (d) => { if (rooms.has(d?.room)) join(d.room); });
    socket.on('connect_error', () => setStatus('disconnected'));
    for (const type of Object.keys(ROOM_OF)) {
      socket.on(type, (data) => {
        const d = data || {};
        const primary = ROOM_OF[type](d);
        deliver(primary, type, d, eventIdOf(type, d));
        const also = ALSO_TO[type];
        // no id for these: the inbox upserts by case and reloads after a reconnect
        if (also) rooms.forEach((_, room) => { if (room !== primary && also(room)) deliver(room, type, d); });
      });
    }
    return socket;
  });
  return loading;
}

/**
 * subscribe('case:12', (type, data) => ..., {since: lastEventId}) -> unsubscribe().
 * type is a server event name, 'joined' (after every (re)join), 'missed' (data: list, oldest
 * first) or 'error'.
 */
export function subscribe(room, handler, { since } = {}) {
  let r = rooms.get(room);
  if (!r) { r = { since: since ?? null, handlers: new Set() }; rooms.set(room, r); }
  else if (since != null && (r.since == null || Number(since) > Number(r.since))) r.since = since;
  r.handlers.add(handler);
  ensureSocket().then(() => join(room)).catch(() => setStatus('disconnected'));
  return () => {
    r.handlers.delete(handler);
    if (!r.handlers.size) { rooms.delete(room); socket?.emit('unsubscribe', { room }); }
  };
}

/** After sign-in or sign-out: the socket's session is fixed at connect, so connect again. */
export function reconnect() {
  if (!socket) return;
  socket.disconnect();
  socket.connect();
}
