import { Permission } from '@consult/shared';
import type { FeatureModule } from '../../app/features';
import { HospitalsPage } from './HospitalsPage';
import { PairingsPage } from './PairingsPage';
import { UsersPage } from './UsersPage';
import { AuditPage } from './AuditPage';
import { ServiceClientsPage } from './ServiceClientsPage';

export const adminFeature: FeatureModule = {
  id: 'admin',
  routes: [
    { path: '/admin/hospitals', element: <HospitalsPage />, permission: Permission.HospitalsManage },
    { path: '/admin/pairings', element: <PairingsPage />, permission: Permission.PairingsManage },
    { path: '/admin/users', element: <UsersPage />, permission: Permission.UsersManage },
    { path: '/admin/audit', element: <AuditPage />, permission: Permission.AuditRead },
    {
      path: '/admin/service-clients',
      element: <ServiceClientsPage />,
      permission: Permission.ServiceClientsManage,
    },
  ],
  nav: [
    {
      path: '/admin/hospitals',
      labelKey: 'nav.admin.hospitals',
      permission: Permission.HospitalsManage,
      order: 80,
    },
    {
      path: '/admin/pairings',
      labelKey: 'nav.admin.pairings',
      permission: Permission.PairingsManage,
      order: 81,
    },
    { path: '/admin/users', labelKey: 'nav.admin.users', permission: Permission.UsersManage, order: 82 },
    {
      path: '/admin/service-clients',
      labelKey: 'nav.admin.serviceClients',
      permission: Permission.ServiceClientsManage,
      order: 83,
    },
    { path: '/admin/audit', labelKey: 'nav.audit', permission: Permission.AuditRead, order: 90 },
  ],
};
