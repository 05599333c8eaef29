import { useEffect, useSyncExternalStore } from 'react';
import type { Notification, NotificationList } from '@consult/shared';
import { get, post } from '../../app/api';
import { connectSocket } from '../../app/socket';

/**
 * The inbox as a tiny external store shared by the top-bar bell and the inbox page: loaded once, then kept up
 * to date by `notification:new`, and on every (re)connect by `notification:sync` (what was missed offline).
 */
interface InboxState {
  items: Notification[];
  unread: number;
  loaded: boolean;
}
let state: InboxState = { items: [], unread: 0, loaded: false };
const listeners = new Set<() => void>();
/** Listeners of notifications that arrive live (the toast), not of the ones loaded or synced. */
const arrivals = new Set<(n: Notification) => void>();
export function onArrival(l: (n: Notification) => void): () => void {
  arrivals.add(l);
  return () => arrivals.delete(l);
}
const emit = () => listeners.forEach((l) => l());
const set = (s: InboxState) => {
  state = s;
  emit();
};

function merge(incoming: Notification[]) {
  const known = new Set(state.items.map((n) => n.id));
  const fresh = incoming.filter((n) => !known.has(n.id));
  if (!fresh.length) return;
  const items = [...fresh, ...state.items]
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, 200);
  set({ ...state, items, unread: state.unread + fresh.filter((n) => !n.readAt).length });
}

let wired = false;
function wire() {
  if (wired) return;
  wired = true;
  const s = connectSocket();
  s.on('notification:new', (n) => {
    const known = state.items.some((x) => x.id === n.id);
    merge([n]);
    if (!known) arrivals.forEach((l) => l(n));
  });
  s.on('connect', () => {
    const since = state.items[0]?.createdAt ?? null;
    if (!state.loaded) return;
    s.emit('notification:sync', since, (res) => {
      if (res.ok) merge(res.data);
    });
  });
  s.on('disconnect', () => {
    /* keep what we have; sync on reconnect */
  });
}

export async function loadInbox(): Promise<void> {
  wire();
  const list = await get<NotificationList>('/api/notifications?limit=100');
  set({ items: list.items, unread: list.unread, loaded: true });
}

export async function markRead(ids: string[] | 'all'): Promise<void> {
  await post('/api/notifications/read', { ids });
  const now = new Date().toISOString();
  const items = state.items.map((n) =>
    ids === 'all' || ids.includes(n.id) ? { ...n, readAt: n.readAt ?? now } : n,
  );
  set({
    ...state,
    items,
    unread:
      ids === 'all'
        ? 0
        : Math.max(0, state.unread - state.items.filter((n) => ids.includes(n.id) && !n.readAt).length),
  });
}

/** Forget everything (sign-out). */
export function resetInbox(): void {
  set({ items: [], unread: 0, loaded: false });
}

export function useInbox(): InboxState {
  const s = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
  useEffect(() => {
    if (!state.loaded) void loadInbox().catch(() => undefined);
  }, []);
  return s;
}

/** Where a notification leads: the report itself when one is ready, else the consultation or the round. */
export const hrefOf = (n: Notification) =>
  n.kind === 'report.ready' && n.entityType === 'consultation'
    ? `/consultations/${n.entityId}/report`
    : n.entityType === 'consultation'
      ? `/consultations/${n.entityId}`
      : n.entityType === 'round'
        ? `/rounds/${n.entityId}`
        : '/inbox';
