import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import {
  CASE_STATUSES,
  ICD10_PATTERN,
  type CaseStatus,
  type ConsultationPage,
  type PatientCase,
  type PatientDetail,
} from '@consult/shared';
import { get, patch, post } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';
import { ErrorText, Loadable, PageHeader } from '../../app/ui';
import './messages';
import { FollowUpForm, FollowUpTable } from './FollowUps';

const today = () => new Date().toISOString().slice(0, 10);

/** A patient file: demographics, one case per disease with its plan and follow-ups, consultations. */
export function PatientDetailPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const state = useAsync(() => get<PatientDetail>(`/api/patients/${id}`), [id]);
  const consults = useAsync(() => get<ConsultationPage>(`/api/consultations?patientId=${id}`), [id]);
  const [p, setP] = useState<PatientDetail | null>(null);
  return (
    <Loadable state={state}>
      {(loaded) => {
        const patient = p && p.id === loaded.id ? p : loaded;
        return (
          <section data-testid="patient-detail">
            <PageHeader
              title={patient.name}
              actions={
                patient.editable ? (
                  <>
                    <Link className="btn" to={`/patients/${patient.id}/edit`}>
                      {t('common.edit')}
                    </Link>
                    <Link
                      className="btn btn-primary"
                      to={`/consultations/new?patientId=${patient.id}`}
                      data-testid="request-consultation"
                    >
                      {t('patients.requestConsult')}
                    </Link>
                  </>
                ) : undefined
              }
            />
            {!patient.editable && <p className="alert alert-ok">{t('patients.readOnly')}</p>}
            <div className="grid-2">
              <div className="card">
                <dl className="kv">
                  <dt>{t('patients.sex')}</dt>
                  <dd>{t(`patients.sex.${patient.sex}`)}</dd>
                  <dt>{t('patients.birthDate')}</dt>
                  <dd>{patient.birthDate}</dd>
                  <dt>{t('patients.recordNumber')}</dt>
                  <dd className="mono">{patient.recordNumber ?? '—'}</dd>
                  <dt>{t('patients.nationalId')}</dt>
                  <dd className="mono">{patient.nationalId ?? '—'}</dd>
                  <dt>{t('patients.phone')}</dt>
                  <dd>{patient.phone ?? '—'}</dd>
                  <dt>{t('patients.village')}</dt>
                  <dd>{patient.village ?? '—'}</dd>
                  <dt>{t('patients.address')}</dt>
                  <dd>{patient.address ?? '—'}</dd>
                  <dt>{t('patients.insurance')}</dt>
                  <dd>{t(`patients.insurance.${patient.insuranceType}`)}</dd>
                  <dt>{t('patients.poverty')}</dt>
                  <dd>{patient.povertyRegistered ? t('common.yes') : t('common.no')}</dd>
                </dl>
              </div>
              <div className="card">
                <h2>{t('patients.consultations')}</h2>
                <Loadable state={consults}>
                  {(page) => (
                    <ul className="plain-list">
                      {page.items.map((c) => (
                        <li key={c.id}>
                          <Link to={`/consultations/${c.id}`}>
                            {c.icd10} · {t(`consult.type.${c.type}`)}
                          </Link>{' '}
                          <span className="badge">{t(`consult.state.${c.state}`)}</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </Loadable>
              </div>
            </div>
            <h2>{t('patients.cases')}</h2>
            {patient.cases.map((k) => (
              <CaseCard key={k.id} patient={patient} k={k} onSaved={setP} />
            ))}
            {patient.editable && <NewCase patientId={patient.id} onSaved={setP} />}
          </section>
        );
      }}
    </Loadable>
  );
}

function CaseCard({
  patient,
  k,
  onSaved,
}: {
  patient: PatientDetail;
  k: PatientCase;
  onSaved(p: PatientDetail): void;
}) {
  const { t } = useI18n();
  const [plan, setPlan] = useState(k.treatmentPlan);
  const [status, setStatus] = useState<CaseStatus>(k.status);
  const [error, setError] = useState<unknown>(null);
  const overdue = k.status !== 'resolved' && !!k.nextFollowUpDue && k.nextFollowUpDue < today();
  const base = `/api/patients/${patient.id}/cases/${k.id}`;
  const save = async () => {
    try {
      onSaved(await patch<PatientDetail>(base, { treatmentPlan: plan, status }));
      setError(null);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div className="card" data-testid="case-card">
      <h3>
        {k.icd10} · {k.diagnosis} <span className="badge">{t(`patients.caseStatus.${k.status}`)}</span>{' '}
        {k.nextFollowUpDue && (
          <span className={overdue ? 'badge badge-emergency' : 'badge'}>
            {t('patients.nextDue')}: {k.nextFollowUpDue} {overdue ? `(${t('patients.overdue')})` : ''}
          </span>
        )}
      </h3>
      {patient.editable ? (
        <div className="form-row">
          <label style={{ flex: 1 }}>
            {t('patients.plan')}
            <textarea
              rows={3}
              style={{ width: '100%' }}
              value={plan}
              onChange={(e) => setPlan(e.target.value)}
              maxLength={8000}
            />
          </label>
          <label>
            {t('patients.caseStatus')}
            <select value={status} onChange={(e) => setStatus(e.target.value as CaseStatus)}>
              {CASE_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`patients.caseStatus.${s}`)}
                </option>
              ))}
            </select>
          </label>
          <button className="btn" onClick={() => void save()}>
            {t('patients.savePlan')}
          </button>
        </div>
      ) : (
        <p className="pre">{k.treatmentPlan}</p>
      )}
      <h4>{t('patients.followUps')}</h4>
      <FollowUpTable items={k.followUps} />
      {patient.editable && <FollowUpForm url={`${base}/follow-ups`} onSaved={onSaved} />}
      <ErrorText error={error} />
    </div>
  );
}

function NewCase({ patientId, onSaved }: { patientId: string; onSaved(p: PatientDetail): void }) {
  const { t } = useI18n();
  const [f, setF] = useState({ diagnosis: '', icd10: '', status: 'active' as CaseStatus, treatmentPlan: '' });
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      onSaved(
        await post<PatientDetail>(`/api/patients/${patientId}/cases`, { ...f, icd10: f.icd10.toUpperCase() }),
      );
      setF({ diagnosis: '', icd10: '', status: 'active', treatmentPlan: '' });
      setError(null);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="card form-grid" onSubmit={(e) => void submit(e)} data-testid="case-form">
      <h2>{t('patients.addCase')}</h2>
      <label>
        {t('patients.diagnosis')}
        <input
          name="diagnosis"
          value={f.diagnosis}
          onChange={(e) => setF({ ...f, diagnosis: e.target.value })}
          required
          maxLength={500}
        />
      </label>
      <label>
        {t('patients.icd10')}
        <input
          name="icd10"
          value={f.icd10}
          onChange={(e) => setF({ ...f, icd10: e.target.value })}
          required
          pattern={ICD10_PATTERN.replace(/^\^|\$$/g, '')}
          placeholder="I50.9"
        />
      </label>
      <label>
        {t('patients.caseStatus')}
        <select
          name="status"
          value={f.status}
          onChange={(e) => setF({ ...f, status: e.target.value as CaseStatus })}
        >
          {CASE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`patients.caseStatus.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label style={{ gridColumn: '1 / -1' }}>
        {t('patients.plan')}
        <textarea
          name="treatmentPlan"
          rows={3}
          value={f.treatmentPlan}
          onChange={(e) => setF({ ...f, treatmentPlan: e.target.value })}
          maxLength={8000}
        />
      </label>
      <ErrorText error={error} />
      <div>
        <button className="btn btn-primary" type="submit" data-testid="case-save">
          {t('patients.addCase')}
        </button>
      </div>
    </form>
  );
}
