import type { FeatureModule } from '../../app/features';
import { HomePage } from './HomePage';

export const homeFeature: FeatureModule = {
  id: 'home',
  routes: [{ path: '/', element: <HomePage /> }],
  nav: [{ path: '/', labelKey: 'nav.home', order: 0 }],
};
