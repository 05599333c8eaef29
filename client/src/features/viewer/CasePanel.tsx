import { Link } from 'react-router';
import { useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';
import { Loadable } from '../../app/ui';
import { loadCaseStudies } from '../consultations/CaseImagesLink';
import { caseViewerPath } from '../consultations/CaseStudies';
import { StudyFacts } from '../consultations/StudyPicker';
import '../consultations/messages';

/**
 * The request beside its images (`/imaging/studies/:id?consultation=<id>`): patient, the clinical question and
 * the case's other studies, each one click away. Shown only to whoever may read the case (the API decides).
 */
export function CasePanel({ consultationId, studyId }: { consultationId: string; studyId: string }) {
  const { t } = useI18n();
  const state = useAsync(() => loadCaseStudies(consultationId), [consultationId]);
  return (
    <aside className="card viewer-case-panel" data-testid="viewer-case-panel">
      <Loadable state={state}>
        {({ consultation: c, studies }) => (
          <>
            <h2>{t('caseImages.panel')}</h2>
            <p>
              <strong>{c.patient.name}</strong> · {t(`consult.type.${c.type}`)} ·{' '}
              {t(`consult.state.${c.state}`)}
            </p>
            <h3>{t('consult.detail.question')}</h3>
            <p className="pre" data-testid="viewer-case-question">
              {c.clinicalQuestion}
            </p>
            <h3>{t('caseImages.panelStudies')}</h3>
            <ul className="plain-list">
              {studies.map((s) => (
                <li key={s.id} className={s.id === studyId ? 'active' : undefined}>
                  {s.id === studyId ? (
                    <StudyFacts s={s} />
                  ) : (
                    <Link to={caseViewerPath(s.id, c.id)} data-testid="viewer-case-study">
                      <StudyFacts s={s} />
                    </Link>
                  )}
                </li>
              ))}
            </ul>
            <Link className="btn btn-small" to={`/consultations/${c.id}`}>
              {t('caseImages.backToCase')}
            </Link>
          </>
        )}
      </Loadable>
    </aside>
  );
}
