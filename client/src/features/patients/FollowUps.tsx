import { useState, type FormEvent } from 'react';
import {
  ADHERENCE,
  FOLLOW_UP_LIMITS,
  type Adherence,
  type FollowUp,
  type FollowUpCreate,
  type PatientDetail,
} from '@consult/shared';
import { post } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { ErrorText } from '../../app/ui';
import './messages';

const today = () => new Date().toISOString().slice(0, 10);

/** One follow-up as a line: measurements with units, symptoms, adherence, notes; a report's entry by its number. */
export function FollowUpSummary({ f }: { f: FollowUp }) {
  const { t } = useI18n();
  if (f.kind === 'report_acknowledged')
    return (
      <span data-testid="follow-up-report">
        {t('patients.fu.reportAck', {
          number: f.reportNumber ?? '—',
          version: f.reportVersion ?? 1,
        })}
        {f.reportDiagnosis ? ` · ${f.reportDiagnosis}` : ''}
      </span>
    );
  const parts = [
    f.systolic !== null && f.diastolic !== null
      ? `${t('patients.fu.bp')} ${f.systolic}/${f.diastolic} mmHg`
      : null,
    f.glucose !== null ? `${t('patients.fu.glucose')} ${f.glucose} mmol/L` : null,
    f.weight !== null ? `${t('patients.fu.weight')} ${f.weight} kg` : null,
    f.adherence
      ? t('patients.fu.labelled', {
          label: t('patients.fu.adherence'),
          value: t(`patients.fu.adherence.${f.adherence}`),
        })
      : null,
    f.symptoms ? t('patients.fu.labelled', { label: t('patients.fu.symptoms'), value: f.symptoms }) : null,
    f.notes || null,
  ].filter(Boolean);
  return <span className="pre">{parts.join(' · ')}</span>;
}

export function FollowUpTable({ items }: { items: FollowUp[] }) {
  return (
    <table className="table table-dense" data-testid="follow-ups">
      <tbody>
        {items.map((f) => (
          <tr key={f.id}>
            <td>{f.date}</td>
            <td>
              <FollowUpSummary f={f} />
            </td>
            <td>{f.byName}</td>
            <td>{f.nextDueDate ? `→ ${f.nextDueDate}` : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const blank = {
  date: today(),
  systolic: '',
  diastolic: '',
  glucose: '',
  weight: '',
  symptoms: '',
  adherence: '' as Adherence | '',
  notes: '',
  nextDueDate: '',
};

/** An entered number, or undefined (left out of the body) when the field is empty. */
const num = (s: string) => (s.trim() === '' ? undefined : Number(s));

/** A visit: date, blood pressure, glucose, weight, symptoms, adherence, notes and the next date. */
export function FollowUpForm({ url, onSaved }: { url: string; onSaved(p: PatientDetail): void }) {
  const { t } = useI18n();
  const [f, setF] = useState(blank);
  const [error, setError] = useState<unknown>(null);
  const set = (k: keyof typeof blank) => (e: { target: { value: string } }) =>
    setF({ ...f, [k]: e.target.value });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: FollowUpCreate = {
      date: f.date,
      systolic: num(f.systolic),
      diastolic: num(f.diastolic),
      glucose: num(f.glucose),
      weight: num(f.weight),
      symptoms: f.symptoms,
      adherence: f.adherence || undefined,
      notes: f.notes,
      nextDueDate: f.nextDueDate || null,
    };
    try {
      onSaved(await post<PatientDetail>(url, body));
      setF({ ...blank, date: today() });
      setError(null);
    } catch (err) {
      setError(err);
    }
  };
  const L = FOLLOW_UP_LIMITS;
  return (
    <form className="form-grid" onSubmit={(e) => void submit(e)} data-testid="follow-up-form">
      <label>
        {t('patients.fuDate')}
        <input name="date" type="date" value={f.date} onChange={set('date')} required max={today()} />
      </label>
      <label>
        {t('patients.fu.bp')} (mmHg)
        <span className="form-row">
          <input
            name="systolic"
            type="number"
            inputMode="numeric"
            aria-label={t('patients.fu.systolic')}
            placeholder={t('patients.fu.systolic')}
            min={L.systolic.minimum}
            max={L.systolic.maximum}
            value={f.systolic}
            onChange={set('systolic')}
            required={f.diastolic !== ''}
          />
          /
          <input
            name="diastolic"
            type="number"
            inputMode="numeric"
            aria-label={t('patients.fu.diastolic')}
            placeholder={t('patients.fu.diastolic')}
            min={L.diastolic.minimum}
            max={L.diastolic.maximum}
            value={f.diastolic}
            onChange={set('diastolic')}
            required={f.systolic !== ''}
          />
        </span>
      </label>
      <label>
        {t('patients.fu.glucose')} (mmol/L)
        <input
          name="glucose"
          type="number"
          step="0.1"
          min={L.glucose.minimum}
          max={L.glucose.maximum}
          value={f.glucose}
          onChange={set('glucose')}
        />
      </label>
      <label>
        {t('patients.fu.weight')} (kg)
        <input
          name="weight"
          type="number"
          step="0.1"
          min={L.weight.minimum}
          max={L.weight.maximum}
          value={f.weight}
          onChange={set('weight')}
        />
      </label>
      <label>
        {t('patients.fu.adherence')}
        <select name="adherence" value={f.adherence} onChange={set('adherence')}>
          <option value="">—</option>
          {ADHERENCE.map((a) => (
            <option key={a} value={a}>
              {t(`patients.fu.adherence.${a}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('patients.fuNext')}
        <input
          name="nextDueDate"
          type="date"
          value={f.nextDueDate}
          onChange={set('nextDueDate')}
          min={f.date}
        />
      </label>
      <label style={{ gridColumn: '1 / -1' }}>
        {t('patients.fu.symptoms')}
        <input name="symptoms" value={f.symptoms} onChange={set('symptoms')} maxLength={2000} />
      </label>
      <label style={{ gridColumn: '1 / -1' }}>
        {t('patients.fuNotes')}
        <input name="notes" value={f.notes} onChange={set('notes')} maxLength={4000} />
      </label>
      <ErrorText error={error} />
      <div>
        <button className="btn" type="submit" data-testid="follow-up-save">
          {t('patients.addFollowUp')}
        </button>
      </div>
    </form>
  );
}
