import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { Permission } from '@consult/shared';
import type { FeatureModule } from '../../app/features';
import './messages';
import './rounds.css';
import { RoundListPage } from './RoundListPage';
import { RoundCreatePage } from './RoundCreatePage';
import { RoundDetailPage } from './RoundDetailPage';

// The room (mediasoup-client, the synchronized viewer with cornerstone) is its own chunk, loaded only by rounds
// pages: the list and a round's page preload it (after their own render), so that joining does not wait for the
// download and, once loaded, renders at once instead of suspending (React holds a suspended reveal for ~300 ms,
// most of the gap between joining a round and a direct peer connection; `pnpm bench rounds`).
type RoomModule = typeof import('./RoomPage');
let roomModule: RoomModule | null = null;
let roomLoading: Promise<RoomModule> | null = null;
const loadRoom = (): Promise<RoomModule> =>
  (roomLoading ??= import('./RoomPage').then(
    (m) => (roomModule = m),
    (err: unknown) => {
      roomLoading = null;
      throw err;
    },
  ));
const LazyRoomPage = lazy(() => loadRoom().then((m) => ({ default: m.RoomPage })));

// Opened straight at a room (a join link, a reload): fetch the room's code now, in parallel with the session
// check, and start joining as soon as it arrives (earlyJoin.ts), not after the page has rendered.
const roomAtLoad = /^\/rounds\/([0-9a-f-]{36})\/room\/?$/i.exec(window.location.pathname);
if (roomAtLoad) {
  performance.mark('round:page-code');
  const audioOnly = new URLSearchParams(window.location.search).get('audioOnly') === '1';
  void loadRoom()
    .then((m) => {
      performance.mark('round:room-code');
      m.startEarlyJoin(roomAtLoad[1]!, audioOnly);
    })
    .catch(() => undefined);
}

function RoomRoute() {
  if (roomModule) return <roomModule.RoomPage />;
  return (
    <Suspense fallback={null}>
      <LazyRoomPage />
    </Suspense>
  );
}

/** Renders a rounds page and then fetches the room's code in the background (errors surface when joining). */
function PreloadsRoom({ children }: { children: ReactNode }) {
  useEffect(() => void loadRoom().catch(() => undefined), []);
  return children;
}

export const roundsFeature: FeatureModule = {
  id: 'rounds',
  routes: [
    {
      path: '/rounds',
      element: (
        <PreloadsRoom>
          <RoundListPage />
        </PreloadsRoom>
      ),
      permission: Permission.RoundsJoin,
    },
    { path: '/rounds/new', element: <RoundCreatePage />, permission: Permission.RoundsCreate },
    {
      path: '/rounds/:id',
      element: (
        <PreloadsRoom>
          <RoundDetailPage />
        </PreloadsRoom>
      ),
      permission: Permission.RoundsJoin,
    },
    { path: '/rounds/:id/room', element: <RoomRoute />, permission: Permission.RoundsJoin },
  ],
  nav: [{ path: '/rounds', labelKey: 'nav.rounds', permission: Permission.RoundsJoin, order: 40 }],
};
