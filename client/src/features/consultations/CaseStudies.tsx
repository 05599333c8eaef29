import { useState } from 'react';
import { Link } from 'react-router';
import { TERMINAL_STATES, type ConsultationDetail, type StudySummary } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';
import { ErrorText } from '../../app/ui';
import { listStudies } from '../imaging/api';
import { linkStudy, unlinkStudy } from './api';
import { ImageUpload } from './ImageUpload';
import { StudyFacts, StudyPicker } from './StudyPicker';
import './images.messages';

/** Studies the user may see, at most this many (the API's page limit). */
export const STUDY_LOOKUP_LIMIT = 500;

/** The viewer on one study of a case, with the request beside it. */
export const caseViewerPath = (studyId: string, consultationId: string) =>
  `/imaging/studies/${studyId}?consultation=${consultationId}`;

/** Link each UID to the request (in order); stops at the first refusal, which it throws. */
export async function linkAll(consultationId: string, uids: string[], already: string[] = []) {
  for (const uid of uids) if (!already.includes(uid)) await linkStudy(consultationId, uid);
}

/**
 * The case's images: each linked study as patient, date, modality, description and image count with "Open
 * images"; for those who may link (case:link-images): upload more (files or a folder) and pick from the
 * hospital's studies. Nobody types a UID.
 */
export function CaseStudies({ c, onChange }: { c: ConsultationDetail; onChange(): void }) {
  const { t, dt } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [picking, setPicking] = useState(false);
  const [busy, setBusy] = useState(false);
  const participant = c.access.actions.includes('case:link-images');
  const canLink = participant && !TERMINAL_STATES.includes(c.state);
  // The hospital's studies are needed only to pick one to link (the links carry their own summaries).
  const studies = useAsync(
    () => (picking ? listStudies({ limit: STUDY_LOOKUP_LIMIT }) : Promise.resolve([])),
    [c.id, c.version, picking],
  );
  const linked = c.studies.map((s) => s.studyInstanceUid);
  // Only the requesting hospital's studies can be linked (the policy shows linked studies of that hospital).
  const choices = (studies.data ?? []).filter(
    (s) => s.hospitalId === c.requestingHospital.id && !linked.includes(s.studyInstanceUid),
  );

  const run = async (f: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await f();
      setError(null);
      onChange();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const pick = (s: StudySummary) =>
    void run(async () => {
      await linkStudy(c.id, s.studyInstanceUid);
      setPicking(false);
    });

  if (!canLink && c.studies.length === 0) return null;
  return (
    <div className="card" data-testid="case-studies">
      <h2>{t('consult.detail.studies')}</h2>
      {c.studies.length === 0 && <p className="muted">{t('caseImages.none')}</p>}
      <ul className="plain-list">
        {c.studies.map((link) => {
          const s = link.study;
          return (
            <li key={link.studyInstanceUid} data-testid="case-study">
              {s ? (
                <StudyFacts s={s} />
              ) : (
                <small className="muted mono study-uid">{link.studyInstanceUid}</small>
              )}
              <div className="muted">
                {t('caseImages.linkedBy', { who: link.linkedBy.displayName, at: dt(link.linkedAt) })}
              </div>
              <div className="actions-bar">
                {s && (
                  <Link
                    className="btn btn-small btn-primary"
                    to={caseViewerPath(s.id, c.id)}
                    data-testid="open-images"
                  >
                    {t('caseImages.open')}
                  </Link>
                )}
                {participant && (
                  <button
                    className="link"
                    type="button"
                    disabled={busy}
                    onClick={() => void run(() => unlinkStudy(c.id, link.studyInstanceUid))}
                  >
                    {t('consult.detail.unlink')}
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
      {canLink && c.access.relations.includes('owner') && (
        <>
          <h3>{t('caseImages.add')}</h3>
          <ImageUpload
            onBusy={setBusy}
            onDone={({ studyUids }) => run(() => linkAll(c.id, studyUids, linked))}
          />
        </>
      )}
      {canLink && (
        <div>
          <button
            className="btn"
            type="button"
            onClick={() => setPicking((p) => !p)}
            data-testid="choose-study"
          >
            {picking ? t('caseImages.closePicker') : t('caseImages.choose')}
          </button>
          {picking && (
            <StudyPicker studies={choices} patientName={c.patient.name} onPick={pick} busy={busy} />
          )}
        </div>
      )}
      <ErrorText error={error} />
    </div>
  );
}
