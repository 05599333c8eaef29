import { Link } from 'react-router';
import type { ConsultationDetail, StudySummary } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';
import { getConsultation } from './api';
import { caseViewerPath } from './CaseStudies';
import './images.messages';

export interface CaseStudies {
  consultation: ConsultationDetail;
  /** The case's linked studies the user can open, in link order (unknown UIDs left out). */
  studies: StudySummary[];
}

/** The request and its linked studies, each as the server described it for this user (with its id). */
export async function loadCaseStudies(consultationId: string): Promise<CaseStudies> {
  const consultation = await getConsultation(consultationId);
  const studies = consultation.studies.map((l) => l.study).filter((s): s is StudySummary => !!s);
  return { consultation, studies };
}

/** "Images of this case": opens the viewer on the case's first study, the others one click away beside it. */
export function CaseImagesLink({ consultationId }: { consultationId: string }) {
  const { t } = useI18n();
  const state = useAsync(() => loadCaseStudies(consultationId), [consultationId]);
  const first = state.data?.studies[0];
  if (!first) return null;
  return (
    <Link className="btn" to={caseViewerPath(first.id, consultationId)} data-testid="report-open-images">
      {t('caseImages.reportStudies')} ({state.data!.studies.length})
    </Link>
  );
}
