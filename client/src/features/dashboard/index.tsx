import { lazy, Suspense } from 'react';
import { Permission } from '@consult/shared';
import type { FeatureModule } from '../../app/features';
import './messages';
import './dashboard.css';

// chart.js loads only with the dashboard.
const DashboardPage = lazy(() => import('./DashboardPage').then((m) => ({ default: m.DashboardPage })));

export const dashboardFeature: FeatureModule = {
  id: 'dashboard',
  routes: [
    {
      path: '/dashboard',
      element: (
        <Suspense fallback={null}>
          <DashboardPage />
        </Suspense>
      ),
      permission: Permission.StatsRead,
    },
  ],
  nav: [{ path: '/dashboard', labelKey: 'nav.dashboard', permission: Permission.StatsRead, order: 71 }],
};
