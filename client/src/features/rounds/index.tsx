import { useEffect, useState, type ReactNode } from 'react';
import { ErrorText } from '../../app/ui';
import { roomAtLoad } from '../../boot';
import { Permission } from '@consult/shared';
import type { FeatureModule } from '../../app/features';
import './messages';
import './rounds.css';
import { RoundListPage } from './RoundListPage';
import { RoundCreatePage } from './RoundCreatePage';
import { RoundDetailPage } from './RoundDetailPage';

// The room (mediasoup-client; the synchronized viewer with cornerstone loads beside it) is its own chunk, loaded
// only by rounds pages: the list and a round's page preload it (after their own render), so that joining does not
// wait for the download.
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

// Opened straight at a room (a join link, a reload): fetch the room's code now, in parallel with the session
// check. The join itself started earlier still, from the page's first script (boot.ts, earlyJoin.ts).
if (roomAtLoad)
  void loadRoom()
    .then(() => performance.mark('round:room-code'))
    .catch(() => undefined);

/**
 * The room once its code is there. Not React.lazy + Suspense: React holds a suspended reveal for ~300 ms, most
 * of the gap between joining a round and a direct peer connection (`pnpm bench rounds`); a state update is not
 * held back.
 */
function RoomRoute() {
  const [mod, setMod] = useState(roomModule);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!mod) loadRoom().then(setMod, setError);
  }, [mod]);
  if (mod) return <mod.RoomPage />;
  return <ErrorText error={error} />;
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
