import { lazy, Suspense } from 'react';
import { Permission } from '@consult/shared';
import type { FeatureModule } from '../../app/features';
import './messages';
import './imaging.css';
import { StudyListPage } from './StudyListPage';
import { UploadPage } from './UploadPage';

// The viewer (cornerstone, codecs) loads only when a study is opened.
const ViewerPage = lazy(() => import('../viewer/ViewerPage').then((m) => ({ default: m.ViewerPage })));

export const imagingFeature: FeatureModule = {
  id: 'imaging',
  routes: [
    { path: '/imaging', element: <StudyListPage />, permission: Permission.StudiesRead },
    { path: '/imaging/upload', element: <UploadPage />, permission: Permission.StudiesUpload },
    {
      path: '/imaging/studies/:id',
      element: (
        <Suspense fallback={null}>
          <ViewerPage />
        </Suspense>
      ),
      permission: Permission.StudiesRead,
    },
  ],
  nav: [{ path: '/imaging', labelKey: 'nav.imaging', permission: Permission.StudiesRead, order: 30 }],
};
