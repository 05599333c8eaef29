import { useState, type FormEvent } from 'react';
import type { Department, Hospital, HospitalCreate } from '@consult/shared';
import { get, post } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';
import { ErrorText, Loadable, PageHeader } from '../../app/ui';
import { useHospitals } from './useHospitals';
import './messages';

export function HospitalsPage() {
  const { t } = useI18n();
  const { state, nameOf } = useHospitals();
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <section>
      <PageHeader title={t('nav.admin.hospitals')} />
      <div className="grid-2">
        <div className="card">
          <Loadable state={state}>
            {(hospitals) => (
              <table className="table" data-testid="hospital-table">
                <thead>
                  <tr>
                    <th>{t('admin.hospital.nameZh')}</th>
                    <th>{t('admin.hospital.nameEn')}</th>
                    <th>{t('admin.hospital.tier')}</th>
                    <th>{t('admin.hospital.region')}</th>
                  </tr>
                </thead>
                <tbody>
                  {hospitals.map((h) => (
                    <tr key={h.id} className={selected === h.id ? 'selected' : ''}>
                      <td>
                        <button className="link" onClick={() => setSelected(h.id)}>
                          {h.nameZh}
                        </button>
                      </td>
                      <td>{h.nameEn}</td>
                      <td>{t(`tier.${h.tier}`)}</td>
                      <td className="muted">{h.region}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Loadable>
          <NewHospitalForm onCreated={state.reload} />
        </div>
        {selected && <Departments hospitalId={selected} title={nameOf(selected)} />}
      </div>
    </section>
  );
}

function NewHospitalForm({ onCreated }: { onCreated(): void }) {
  const { t } = useI18n();
  const [form, setForm] = useState<HospitalCreate>({ nameZh: '', nameEn: '', tier: 'county', region: '' });
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await post<Hospital>('/api/hospitals', form);
      setForm({ nameZh: '', nameEn: '', tier: 'county', region: '' });
      setError(null);
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="form-row" onSubmit={(e) => void submit(e)} aria-label={t('admin.hospital.new')}>
      <h3>{t('admin.hospital.new')}</h3>
      <input
        placeholder={t('admin.hospital.nameZh')}
        aria-label={t('admin.hospital.nameZh')}
        value={form.nameZh}
        onChange={(e) => setForm({ ...form, nameZh: e.target.value })}
        required
      />
      <input
        placeholder={t('admin.hospital.nameEn')}
        aria-label={t('admin.hospital.nameEn')}
        value={form.nameEn}
        onChange={(e) => setForm({ ...form, nameEn: e.target.value })}
        required
      />
      <select
        aria-label={t('admin.hospital.tier')}
        value={form.tier}
        onChange={(e) => setForm({ ...form, tier: e.target.value as HospitalCreate['tier'] })}
      >
        <option value="county">{t('tier.county')}</option>
        <option value="tertiary">{t('tier.tertiary')}</option>
      </select>
      <input
        placeholder={t('admin.hospital.region')}
        aria-label={t('admin.hospital.region')}
        value={form.region}
        onChange={(e) => setForm({ ...form, region: e.target.value })}
        required
      />
      <button className="btn btn-primary" type="submit">
        {t('common.create')}
      </button>
      <ErrorText error={error} />
    </form>
  );
}

function Departments({ hospitalId, title }: { hospitalId: string; title: string }) {
  const { t } = useI18n();
  const state = useAsync(() => get<Department[]>(`/api/hospitals/${hospitalId}/departments`), [hospitalId]);
  const [nameZh, setNameZh] = useState('');
  const [nameEn, setNameEn] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await post(`/api/hospitals/${hospitalId}/departments`, { nameZh, nameEn });
      setNameZh('');
      setNameEn('');
      setError(null);
      state.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div className="card">
      <h2>
        {title} · {t('admin.departments')}
      </h2>
      <Loadable state={state}>
        {(deps) => (
          <ul className="plain-list">
            {deps.map((d) => (
              <li key={d.id}>
                {d.nameZh} · {d.nameEn}
              </li>
            ))}
          </ul>
        )}
      </Loadable>
      <form className="form-row" onSubmit={(e) => void submit(e)}>
        <input
          placeholder={t('admin.hospital.nameZh')}
          aria-label={t('admin.hospital.nameZh')}
          value={nameZh}
          onChange={(e) => setNameZh(e.target.value)}
          required
        />
        <input
          placeholder={t('admin.hospital.nameEn')}
          aria-label={t('admin.hospital.nameEn')}
          value={nameEn}
          onChange={(e) => setNameEn(e.target.value)}
          required
        />
        <button className="btn" type="submit">
          {t('admin.department.new')}
        </button>
        <ErrorText error={error} />
      </form>
    </div>
  );
}
