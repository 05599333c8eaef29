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
  type Urgency,
} from '@consult/shared';
import { get } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';
import { ErrorText, Loadable, PageHeader } from '../../app/ui';
import { createConsultation } from './api';
import './messages';

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

  const name = (h: { nameZh: string; nameEn: string }) => (locale === 'zh-CN' ? h.nameZh : h.nameEn);
  const submit = async (e: FormEvent, submitNow: boolean) => {
    e.preventDefault();
    setBusy(true);
    try {
      const c = await createConsultation({
        patientId,
        caseId,
        type,
        urgency,
        clinicalQuestion: question,
        historySummary: history,
        targetHospitalId: target,
        targetDepartmentId: department || null,
        submit: submitNow,
      });
      navigate(`/consultations/${c.id}`);
    } catch (err) {
      setError(err);
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
            <ErrorText error={error} />
            <div className="actions-bar">
              <button
                className="btn btn-primary"
                type="submit"
                disabled={busy}
                data-testid="consultation-submit"
              >
                {t('consult.form.submit')}
              </button>
              <button className="btn" type="button" disabled={busy} onClick={(e) => void submit(e, false)}>
                {t('consult.form.saveDraft')}
              </button>
            </div>
          </form>
        )}
      </Loadable>
    </section>
  );
}
