import { Permission } from '@consult/shared';
import type { FeatureModule } from '../../app/features';
import { WorklistPage } from './WorklistPage';
import { NewConsultationPage } from './NewConsultationPage';
import { ConsultationDetailPage } from './DetailPage';
import '../patients/messages';
import './messages';

export const consultationsFeature: FeatureModule = {
  id: 'consultations',
  routes: [
    { path: '/consultations', element: <WorklistPage />, permission: Permission.ConsultationsRead },
    {
      path: '/consultations/new',
      element: <NewConsultationPage />,
      permission: Permission.ConsultationsCreate,
    },
    {
      path: '/consultations/:id',
      element: <ConsultationDetailPage />,
      permission: Permission.ConsultationsRead,
    },
  ],
  nav: [
    {
      path: '/consultations',
      labelKey: 'nav.consult.worklist',
      permission: Permission.ConsultationsRead,
      order: 10,
    },
  ],
};
