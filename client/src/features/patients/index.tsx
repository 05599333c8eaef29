import { Permission } from '@consult/shared';
import type { FeatureModule } from '../../app/features';
import { PatientListPage } from './ListPage';
import { PatientFormPage } from './PatientForm';
import { PatientDetailPage } from './DetailPage';
import { OverduePage } from './OverduePage';
import '../consultations/messages';
import './messages';

export const patientsFeature: FeatureModule = {
  id: 'patients',
  routes: [
    { path: '/patients', element: <PatientListPage />, permission: Permission.PatientsRead },
    { path: '/patients/new', element: <PatientFormPage />, permission: Permission.PatientsWrite },
    { path: '/patients/overdue', element: <OverduePage />, permission: Permission.PatientsRead },
    { path: '/patients/:id', element: <PatientDetailPage />, permission: Permission.PatientsRead },
    { path: '/patients/:id/edit', element: <PatientFormPage />, permission: Permission.PatientsWrite },
  ],
  nav: [
    { path: '/patients', labelKey: 'nav.patients', permission: Permission.PatientsRead, order: 11 },
    {
      path: '/patients/overdue',
      labelKey: 'patients.overdueTitle',
      permission: Permission.PatientsWrite,
      order: 12,
    },
  ],
};
