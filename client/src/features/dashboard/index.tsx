import { Permission } from '@consult/shared';
import type { FeatureModule } from '../../app/features';
import './messages';
import './dashboard.css';
import { DashboardPage } from './DashboardPage';

export const dashboardFeature: FeatureModule = {
  id: 'dashboard',
  routes: [{ path: '/dashboard', element: <DashboardPage />, permission: Permission.StatsRead }],
  nav: [{ path: '/dashboard', labelKey: 'nav.dashboard', permission: Permission.StatsRead, order: 71 }],
};
