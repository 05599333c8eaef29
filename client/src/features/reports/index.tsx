import { Permission } from '@consult/shared';
import type { FeatureModule } from '../../app/features';
import './messages';
import './reports.css';
import { ReportPage } from './ReportPage';

/** Reports open from a consultation: `/consultations/:consultationId/report`. */
export const reportsFeature: FeatureModule = {
  id: 'reports',
  routes: [{ path: '/consultations/:consultationId/report', element: <ReportPage />, permission: Permission.ConsultationsRead }],
  nav: [],
};
