import { lazy, Suspense } from 'react';
import { Permission } from '@consult/shared';
import type { FeatureModule } from '../../app/features';
import './messages';
import './rounds.css';
import { RoundListPage } from './RoundListPage';
import { RoundCreatePage } from './RoundCreatePage';
import { RoundDetailPage } from './RoundDetailPage';

// The room (mediasoup-client, the synchronized viewer with cornerstone) loads only when someone enters a round.
const RoomPage = lazy(() => import('./RoomPage').then((m) => ({ default: m.RoomPage })));

export const roundsFeature: FeatureModule = {
  id: 'rounds',
  routes: [
    { path: '/rounds', element: <RoundListPage />, permission: Permission.RoundsJoin },
    { path: '/rounds/new', element: <RoundCreatePage />, permission: Permission.RoundsCreate },
    { path: '/rounds/:id', element: <RoundDetailPage />, permission: Permission.RoundsJoin },
    {
      path: '/rounds/:id/room',
      element: (
        <Suspense fallback={null}>
          <RoomPage />
        </Suspense>
      ),
      permission: Permission.RoundsJoin,
    },
  ],
  nav: [{ path: '/rounds', labelKey: 'nav.rounds', permission: Permission.RoundsJoin, order: 40 }],
};
