import type { FeatureModule } from '../../app/features';
import { InboxPage } from './InboxPage';
import { installBell } from './Bell';
import './messages';

installBell();

export const inboxFeature: FeatureModule = {
  id: 'inbox',
  routes: [{ path: '/inbox', element: <InboxPage /> }],
  nav: [{ path: '/inbox', labelKey: 'nav.inbox', order: 5 }],
};
