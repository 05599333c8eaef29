import { Permission } from '@consult/shared';
import type { FeatureModule } from '../../app/features';
import './messages';
import './reports.css';
import { ReportPage } from './ReportPage';
import { ReportListPage } from './ReportListPage';

/** Reports: the list of reports to act on, and each consultation's report at `/consultations/:consultationId/report`. */
export const reportsFeature: FeatureModule = {
  id: 'reports',
  routes: [
    { path: '/reports', element: <ReportListPage />, permission: Permission.ConsultationsRead },
    {
      path: '/consultations/:consultationId/report',
      element: <ReportPage />,
      permission: Permission.ConsultationsRead,
    },
  ],
  nav: [{ path: '/reports', labelKey: 'nav.reports', permission: Permission.ConsultationsRead, order: 25 }],
};
