import { useMemo, useState } from 'react';
import type { StudySummary } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import '../imaging/messages';
import './images.messages';
import './images.css';

/** DICOM DA (YYYYMMDD) as YYYY-MM-DD; anything else as it is. */
export const studyDate = (d: string) =>
  /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : d;

/** One study as a clinician recognises it: patient, date, modality, description, image count (UID small). */
export function StudyFacts({ s }: { s: StudySummary }) {
  const { t } = useI18n();
  return (
    <span className="study-facts" data-testid="study-facts">
      <strong>{s.patientName || t('caseImages.noName')}</strong> · {studyDate(s.studyDate) || '—'} ·{' '}
      {s.modalities.join('/') || '—'} · {s.description || t('caseImages.noDescription')} ·{' '}
      {t('caseImages.images', { n: s.numInstances })}
      <br />
      <small className="muted mono study-uid">{s.studyInstanceUid}</small>
    </span>
  );
}

export type StudySort = 'date-desc' | 'date-asc' | 'patient';

const ORDER: Record<StudySort, (a: StudySummary, b: StudySummary) => number> = {
  'date-desc': (a, b) => b.studyDate.localeCompare(a.studyDate),
  'date-asc': (a, b) => a.studyDate.localeCompare(b.studyDate),
  patient: (a, b) => a.patientName.localeCompare(b.patientName, 'zh-CN'),
};

/** The picker's rows: free text over patient name, patient ID and description; one modality; an order. */
export function filterStudies(
  studies: StudySummary[],
  f: { text: string; modality: string; sort: StudySort },
): StudySummary[] {
  const q = f.text.trim().toLowerCase();
  const hit = (s: StudySummary) =>
    (!q || [s.patientName, s.patientId, s.description].some((v) => v.toLowerCase().includes(q))) &&
    (!f.modality || s.modalities.includes(f.modality));
  return studies.filter(hit).sort(ORDER[f.sort]);
}

/**
 * Choose a study of the hospital by patient, date, modality, description and image count — never by typing a
 * UID. Starts filtered on the request's patient; the filter is free text over name, patient ID and description.
 */
export function StudyPicker({
  studies,
  patientName,
  onPick,
  busy,
}: {
  studies: StudySummary[];
  patientName: string;
  onPick(s: StudySummary): void;
  busy?: boolean;
}) {
  const { t } = useI18n();
  const [text, setText] = useState(patientName);
  const [modality, setModality] = useState('');
  const [sort, setSort] = useState<StudySort>('date-desc');
  const modalities = useMemo(() => [...new Set(studies.flatMap((s) => s.modalities))].sort(), [studies]);
  const rows = useMemo(
    () => filterStudies(studies, { text, modality, sort }),
    [studies, text, modality, sort],
  );

  return (
    <div className="study-picker" data-testid="study-picker">
      <div className="form-inline">
        <input
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={t('caseImages.filter')}
          aria-label={t('caseImages.filter')}
          data-testid="study-filter"
        />
        <select
          value={modality}
          onChange={(e) => setModality(e.target.value)}
          aria-label={t('imaging.col.modalities')}
        >
          <option value="">{t('caseImages.anyModality')}</option>
          {modalities.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
        <select
          value={sort}
          onChange={(e) => setSort(e.target.value as StudySort)}
          aria-label={t('caseImages.sort')}
        >
          <option value="date-desc">{t('caseImages.sort.dateDesc')}</option>
          <option value="date-asc">{t('caseImages.sort.dateAsc')}</option>
          <option value="patient">{t('caseImages.sort.patient')}</option>
        </select>
      </div>
      {rows.length === 0 ? (
        <p className="muted">{t('caseImages.noMatch')}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('imaging.col.patient')}</th>
              <th>{t('imaging.col.date')}</th>
              <th>{t('imaging.col.modalities')}</th>
              <th>{t('imaging.col.description')}</th>
              <th>{t('caseImages.col.images')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.id} data-testid="study-choice">
                <td>
                  {s.patientName}
                  <div className="muted">{s.patientId}</div>
                </td>
                <td>{studyDate(s.studyDate)}</td>
                <td>{s.modalities.join('/')}</td>
                <td>
                  {s.description}
                  <div>
                    <small className="muted mono study-uid">{s.studyInstanceUid}</small>
                  </div>
                </td>
                <td>{s.numInstances}</td>
                <td>
                  <button
                    className="btn btn-small"
                    type="button"
                    disabled={busy}
                    onClick={() => onPick(s)}
                    data-testid="pick-study"
                  >
                    {t('consult.detail.linkStudy')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
