import { Permission } from '@consult/shared';
import type { FeatureModule } from '../../app/features';
import { StatsPage } from './StatsPage';
import '../consultations/messages';
import './messages';

export const statsFeature: FeatureModule = {
  id: 'stats',
  routes: [{ path: '/stats', element: <StatsPage />, permission: Permission.StatsRead }],
  nav: [{ path: '/stats', labelKey: 'nav.stats', permission: Permission.StatsRead, order: 70 }],
};
