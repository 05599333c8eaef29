import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import {
  CONSULTATION_TYPES,
  URGENCIES,
  type ConsultationType,
  type Department,
  type Hospital,
  type PatientDetail,
  type PatientPage,
  type StudySummary,
  type Urgency,
} from '@consult/shared';
import { get } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';
import { ErrorText, Loadable, PageHeader } from '../../app/ui';
import { listStudies } from '../imaging/api';
import { createConsultation, transition, uploadAttachment } from './api';
import { linkAll, STUDY_LOOKUP_LIMIT } from './CaseStudies';
import { ImageUpload, type UploadOutcome } from './ImageUpload';
import { StudyFacts } from './StudyPicker';
import './messages';
import './images.messages';

/** A county doctor asks a paired tertiary hospital: patient + case, type, urgency, question, target. */
export function NewConsultationPage() {
  const { t, locale } = useI18n();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [patientId, setPatientId] = useState(params.get('patientId') ?? '');
  const [caseId, setCaseId] = useState(params.get('caseId') ?? '');
  const [type, setType] = useState<ConsultationType>('remote_consultation');
  const [urgency, setUrgency] = useState<Urgency>('routine');
  const [question, setQuestion] = useState('');
  const [history, setHistory] = useState('');
  const [target, setTarget] = useState('');
  const [department, setDepartment] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [uploading, setUploading] = useState(false);
  const [studies, setStudies] = useState<StudySummary[]>([]);
  const [attachments, setAttachments] = useState<File[]>([]);

  const base = useAsync(async () => {
    const [patients, hospitals] = await Promise.all([
      get<PatientPage>('/api/patients?limit=200'),
      get<Hospital[]>('/api/hospitals'),
    ]);
    return { patients: patients.items, tertiary: hospitals.filter((h) => h.tier === 'tertiary') };
  }, []);
  const patient = useAsync(
    async () => (patientId ? get<PatientDetail>(`/api/patients/${patientId}`) : null),
    [patientId],
  );
  const departments = useAsync(
    async () => (target ? get<Department[]>(`/api/hospitals/${target}/departments`) : []),
    [target],
  );

  useEffect(() => {
    const tertiary = base.data?.tertiary;
    if (!target && tertiary?.length === 1) setTarget(tertiary[0]!.id);
  }, [base.data, target]);
  useEffect(() => {
    const cases = patient.data?.cases ?? [];
    if (cases.length && !cases.some((c) => c.id === caseId)) setCaseId(cases[0]!.id);
  }, [patient.data, caseId]);

  /** The studies a batch landed in, as the list API describes them (patient, date, modality, count). */
  const uploaded = async ({ studyUids }: UploadOutcome) => {
    const all = await listStudies({ limit: STUDY_LOOKUP_LIMIT });
    const got = all.filter((x) => studyUids.includes(x.studyInstanceUid));
    setStudies((prev) => [...prev, ...got.filter((g) => !prev.some((p) => p.id === g.id))]);
  };
  const patientName = patient.data?.name ?? '';

  const name = (h: { nameZh: string; nameEn: string }) => (locale === 'zh-CN' ? h.nameZh : h.nameEn);
  const submit = async (e: FormEvent, submitNow: boolean) => {
    e.preventDefault();
    setBusy(true);
    let createdId: string | null = null;
    try {
      // Created as a draft first, so a request is never submitted without the images and attachments it names.
      const c = await createConsultation({
        patientId,
        caseId,
        type,
        urgency,
        clinicalQuestion: question,
        historySummary: history,
        targetHospitalId: target,
        targetDepartmentId: department || null,
        submit: false,
      });
      createdId = c.id;
      await linkAll(
        c.id,
        studies.map((x) => x.studyInstanceUid),
      );
      for (const f of attachments) await uploadAttachment(c.id, f);
      if (submitNow) await transition(c.id, { to: 'submitted' });
      navigate(`/consultations/${c.id}`);
    } catch (err) {
      setError(err);
      // Whatever was saved stays a draft the doctor can complete on its page.
      if (createdId) navigate(`/consultations/${createdId}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <PageHeader title={t('consult.new')} />
      <Loadable state={base}>
        {({ patients, tertiary }) => (
          <form
            className="card form-grid"
            onSubmit={(e) => void submit(e, true)}
            data-testid="consultation-form"
          >
            <label>
              {t('consult.form.patient')}
              <select
                name="patientId"
                value={patientId}
                onChange={(e) => setPatientId(e.target.value)}
                required
              >
                <option value="">—</option>
                {patients.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name} · {p.birthDate}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('consult.form.case')}
              <select name="caseId" value={caseId} onChange={(e) => setCaseId(e.target.value)} required>
                {(patient.data?.cases ?? []).map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.icd10} {c.diagnosis}
                  </option>
                ))}
              </select>
            </label>
            {patient.data && patient.data.cases.length === 0 && (
              <p className="alert alert-error">{t('consult.form.noCase')}</p>
            )}
            <label>
              {t('consult.form.type')}
              <select name="type" value={type} onChange={(e) => setType(e.target.value as ConsultationType)}>
                {CONSULTATION_TYPES.map((x) => (
                  <option key={x} value={x}>
                    {t(`consult.type.${x}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('consult.form.urgency')}
              <select name="urgency" value={urgency} onChange={(e) => setUrgency(e.target.value as Urgency)}>
                {URGENCIES.map((x) => (
                  <option key={x} value={x}>
                    {t(`consult.urgency.${x}`)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('consult.form.target')}
              <select
                name="targetHospitalId"
                value={target}
                onChange={(e) => setTarget(e.target.value)}
                required
              >
                <option value="">—</option>
                {tertiary.map((h) => (
                  <option key={h.id} value={h.id}>
                    {name(h)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('consult.form.department')}
              <select name="departmentId" value={department} onChange={(e) => setDepartment(e.target.value)}>
                <option value="">{t('consult.form.anyDepartment')}</option>
                {(departments.data ?? []).map((d) => (
                  <option key={d.id} value={d.id}>
                    {name(d)}
                  </option>
                ))}
              </select>
            </label>
            <label style={{ gridColumn: '1 / -1' }}>
              {t('consult.form.question')}
              <textarea
                name="clinicalQuestion"
                rows={3}
                value={question}
                onChange={(e) => setQuestion(e.target.value)}
                required
                maxLength={4000}
              />
            </label>
            <label style={{ gridColumn: '1 / -1' }}>
              {t('consult.form.history')}
              <textarea
                name="historySummary"
                rows={4}
                value={history}
                onChange={(e) => setHistory(e.target.value)}
                maxLength={16000}
              />
            </label>
            <fieldset className="case-images" style={{ gridColumn: '1 / -1' }}>
              <legend>{t('caseImages.title')}</legend>
              <p className="muted">{t('caseImages.help')}</p>
              <ImageUpload onBusy={setUploading} onDone={uploaded} disabled={busy} />
              {studies.length > 0 && (
                <>
                  <h3>{t('caseImages.uploaded')}</h3>
                  <ul className="plain-list" data-testid="request-studies">
                    {studies.map((x) => (
                      <li key={x.id} data-testid="request-study">
                        <StudyFacts s={x} />
                        {patientName && !x.patientName.includes(patientName) && (
                          <div className="alert alert-error">
                            {t('caseImages.patientMismatch', { name: x.patientName })}
                          </div>
                        )}
                        <button
                          className="link"
                          type="button"
                          onClick={() => setStudies((prev) => prev.filter((p) => p.id !== x.id))}
                        >
                          {t('consult.detail.unlink')}
                        </button>
                      </li>
                    ))}
                  </ul>
                </>
              )}
              <label>
                {t('caseImages.attachments')}
                <input
                  type="file"
                  multiple
                  data-testid="request-attachments"
                  onChange={(e) => setAttachments([...(e.target.files ?? [])])}
                />
              </label>
              {uploading && <p className="muted">{t('caseImages.pendingUpload')}</p>}
            </fieldset>
            <ErrorText error={error} />
            <div className="actions-bar">
              <button
                className="btn btn-primary"
                type="submit"
                disabled={busy || uploading}
                data-testid="consultation-submit"
              >
                {t('consult.form.submit')}
              </button>
              <button
                className="btn"
                type="button"
                disabled={busy || uploading}
                onClick={(e) => void submit(e, false)}
              >
                {t('consult.form.saveDraft')}
              </button>
            </div>
          </form>
        )}
      </Loadable>
    </section>
  );
}
