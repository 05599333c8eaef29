import type { FeatureModule } from '../../app/features';
import { SecurityPage } from './SecurityPage';
import './messages';

export const securityFeature: FeatureModule = {
  id: 'security',
  routes: [{ path: '/security', element: <SecurityPage /> }],
  nav: [{ path: '/security', labelKey: 'nav.security', order: 95 }],
};
