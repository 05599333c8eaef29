import { useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router';
import {
  checkNationalId,
  INSURANCE_TYPES,
  nationalIdBirthDate,
  NATIONAL_ID_PATTERN,
  RECORD_NUMBER_PATTERN,
  SEXES,
  type InsuranceType,
  type PatientCreate,
  type PatientDetail,
  type Sex,
} from '@consult/shared';
import { get, patch, post } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';
import { ErrorText, Loadable, PageHeader } from '../../app/ui';
import './messages';

/** The fault of a typed ID number, as an i18n key, or null (empty is allowed: the ID is optional). */
export function idFaultKey(id: string, birthDate: string): string | null {
  if (!id) return null;
  const fault = checkNationalId(id.toUpperCase());
  if (fault) return `patients.idFault.${fault}`;
  return birthDate && nationalIdBirthDate(id) !== birthDate ? 'patients.idFault.mismatch' : null;
}

const empty = {
  name: '',
  // No default: the doctor chooses (a defaulted sex was silently saved wrong).
  sex: '' as Sex | '',
  recordNumber: '',
  birthDate: '',
  nationalId: '',
  phone: '',
  address: '',
  village: '',
  povertyRegistered: false,
  insuranceType: 'urban_rural_resident' as InsuranceType,
};

/** Create (no :id) or edit a patient file; the server validates again and names the field on error. */
export function PatientFormPage() {
  const { id } = useParams();
  const state = useAsync(async () => (id ? get<PatientDetail>(`/api/patients/${id}`) : null), [id]);
  return <Loadable state={state}>{(p) => <PatientForm initial={p} />}</Loadable>;
}

function PatientForm({ initial }: { initial: PatientDetail | null }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [f, setF] = useState(() =>
    initial
      ? {
          ...empty,
          ...initial,
          nationalId: '',
          phone: initial.phone ?? '',
          recordNumber: initial.recordNumber ?? '',
          address: initial.address ?? '',
          village: initial.village ?? '',
        }
      : empty,
  );
  const [error, setError] = useState<unknown>(null);
  const set = <K extends keyof typeof f>(k: K, v: (typeof f)[K]) => setF({ ...f, [k]: v });
  const idFault = idFaultKey(f.nationalId.trim(), f.birthDate);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!f.sex || idFault) return;
    const body: PatientCreate = {
      name: f.name,
      sex: f.sex,
      recordNumber: f.recordNumber.trim() || null,
      birthDate: f.birthDate,
      phone: f.phone || null,
      address: f.address || null,
      village: f.village || null,
      povertyRegistered: f.povertyRegistered,
      insuranceType: f.insuranceType,
      // editing: an empty field keeps the stored (masked) number
      ...(f.nationalId.trim()
        ? { nationalId: f.nationalId.trim().toUpperCase() }
        : initial
          ? {}
          : { nationalId: null }),
    };
    try {
      const p = initial
        ? await patch<PatientDetail>(`/api/patients/${initial.id}`, body)
        : await post<PatientDetail>('/api/patients', body);
      navigate(`/patients/${p.id}`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section>
      <PageHeader title={initial ? t('patients.edit') : t('patients.new')} />
      <form className="card form-grid" onSubmit={(e) => void submit(e)} data-testid="patient-form">
        <label>
          {t('patients.name')}
          <input
            name="name"
            value={f.name}
            onChange={(e) => set('name', e.target.value)}
            required
            maxLength={100}
          />
        </label>
        <label>
          {t('patients.sex')}
          <select name="sex" value={f.sex} onChange={(e) => set('sex', e.target.value as Sex)} required>
            <option value="" disabled>
              {t('patients.sex.choose')}
            </option>
            {SEXES.map((s) => (
              <option key={s} value={s}>
                {t(`patients.sex.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('patients.birthDate')}
          <input
            name="birthDate"
            type="date"
            value={f.birthDate}
            onChange={(e) => set('birthDate', e.target.value)}
            required
          />
        </label>
        <label>
          {t('patients.nationalId')}
          <input
            name="nationalId"
            value={f.nationalId}
            placeholder={initial?.nationalId ?? ''}
            onChange={(e) => set('nationalId', e.target.value)}
            pattern={NATIONAL_ID_PATTERN}
            aria-invalid={!!idFault}
            aria-describedby="national-id-fault"
          />
          {idFault && (
            <span id="national-id-fault" className="text-warn" role="alert" data-testid="national-id-fault">
              {t(idFault)}
            </span>
          )}
        </label>
        <label>
          {t('patients.recordNumber')}
          <input
            name="recordNumber"
            value={f.recordNumber}
            onChange={(e) => set('recordNumber', e.target.value)}
            pattern={RECORD_NUMBER_PATTERN}
            maxLength={40}
          />
        </label>
        <label>
          {t('patients.phone')}
          <input name="phone" value={f.phone} onChange={(e) => set('phone', e.target.value)} />
        </label>
        <label>
          {t('patients.village')}
          <input
            name="village"
            value={f.village}
            onChange={(e) => set('village', e.target.value)}
            maxLength={100}
          />
        </label>
        <label>
          {t('patients.address')}
          <input
            name="address"
            value={f.address}
            onChange={(e) => set('address', e.target.value)}
            maxLength={300}
          />
        </label>
        <label>
          {t('patients.insurance')}
          <select
            name="insuranceType"
            value={f.insuranceType}
            onChange={(e) => set('insuranceType', e.target.value as InsuranceType)}
          >
            {INSURANCE_TYPES.map((s) => (
              <option key={s} value={s}>
                {t(`patients.insurance.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input
            name="povertyRegistered"
            type="checkbox"
            checked={f.povertyRegistered}
            onChange={(e) => set('povertyRegistered', e.target.checked)}
          />{' '}
          {t('patients.poverty')}
        </label>
        <ErrorText error={error} />
        <div className="actions-bar">
          <button className="btn btn-primary" type="submit" data-testid="patient-save" disabled={!!idFault}>
            {t('common.save')}
          </button>
        </div>
      </form>
    </section>
  );
}
