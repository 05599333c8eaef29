import { useState, type FormEvent } from 'react';
import type { Hospital, Pairing } from '@consult/shared';
import { get, patch, post } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';
import { ErrorText, Loadable, PageHeader } from '../../app/ui';
import { useHospitals } from './useHospitals';
import './messages';

export function PairingsPage() {
  const { t } = useI18n();
  const { state: hospitals, nameOf } = useHospitals();
  const pairings = useAsync(() => get<Pairing[]>('/api/pairings'), []);
  const [form, setForm] = useState({
    tertiaryHospitalId: '',
    countyHospitalId: '',
    programName: '',
    since: new Date().toISOString().slice(0, 10),
  });
  const [error, setError] = useState<unknown>(null);
  const list = hospitals.data ?? [];

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await post('/api/pairings', form);
      setError(null);
      setForm({ ...form, countyHospitalId: '', programName: '' });
      pairings.reload();
    } catch (err) {
      setError(err);
    }
  };
  const toggle = async (p: Pairing) => {
    try {
      await patch(`/api/pairings/${p.id}`, { active: !p.active });
      pairings.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section>
      <PageHeader title={t('nav.admin.pairings')} />
      <div className="card">
        <Loadable state={pairings}>
          {(rows) => (
            <table className="table" data-testid="pairing-table">
              <thead>
                <tr>
                  <th>{t('admin.pairing.tertiary')}</th>
                  <th>{t('admin.pairing.county')}</th>
                  <th>{t('admin.pairing.program')}</th>
                  <th>{t('admin.pairing.since')}</th>
                  <th>{t('admin.pairing.active')}</th>
                  <th>{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((p) => (
                  <tr key={p.id}>
                    <td>{nameOf(p.tertiaryHospitalId)}</td>
                    <td>{nameOf(p.countyHospitalId)}</td>
                    <td>{p.programName}</td>
                    <td>{p.since}</td>
                    <td>{p.active ? t('common.yes') : t('common.no')}</td>
                    <td>
                      <button className="btn btn-small" onClick={() => void toggle(p)}>
                        {p.active ? t('admin.pairing.deactivate') : t('admin.pairing.activate')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loadable>
      </div>
      <form
        className="card form-grid"
        onSubmit={(e) => void submit(e)}
        aria-label={t('admin.pairing.new')}
        data-testid="pairing-form"
      >
        <h2>{t('admin.pairing.new')}</h2>
        <TierSelect
          label={t('admin.pairing.tertiary')}
          name="tertiary"
          options={list.filter((h) => h.tier === 'tertiary')}
          value={form.tertiaryHospitalId}
          onChange={(v) => setForm({ ...form, tertiaryHospitalId: v })}
          nameOf={nameOf}
        />
        <TierSelect
          label={t('admin.pairing.county')}
          name="county"
          options={list.filter((h) => h.tier === 'county')}
          value={form.countyHospitalId}
          onChange={(v) => setForm({ ...form, countyHospitalId: v })}
          nameOf={nameOf}
        />
        <label>
          {t('admin.pairing.program')}
          <input
            name="program"
            value={form.programName}
            onChange={(e) => setForm({ ...form, programName: e.target.value })}
            required
          />
        </label>
        <label>
          {t('admin.pairing.since')}
          <input
            name="since"
            type="date"
            value={form.since}
            onChange={(e) => setForm({ ...form, since: e.target.value })}
            required
          />
        </label>
        <button className="btn btn-primary" type="submit">
          {t('common.create')}
        </button>
        <ErrorText error={error} />
      </form>
    </section>
  );
}

/** A required hospital picker limited to one tier. */
function TierSelect(props: {
  label: string;
  name: string;
  options: Hospital[];
  value: string;
  onChange(id: string): void;
  nameOf(id: string): string;
}) {
  return (
    <label>
      {props.label}
      <select name={props.name} value={props.value} onChange={(e) => props.onChange(e.target.value)} required>
        <option value="">—</option>
        {props.options.map((h) => (
          <option key={h.id} value={h.id}>
            {props.nameOf(h.id)}
          </option>
        ))}
      </select>
    </label>
  );
}
