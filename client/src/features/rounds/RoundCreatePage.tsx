import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import type { AgendaItemInput, RoundKind } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { ErrorText, Loadable, PageHeader } from '../../app/ui';
import { useAsync } from '../../app/useAsync';
import { candidates, createRound } from './api';
import { hospitalName } from './format';

const localInput = (d: Date) =>
  new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

export function RoundCreatePage() {
  const { t, locale } = useI18n();
  const nav = useNavigate();
  const people = useAsync(candidates, []);
  const [title, setTitle] = useState('');
  const [kind, setKind] = useState<RoundKind>('ward_round');
  const [when, setWhen] = useState(localInput(new Date(Date.now() + 3600_000)));
  const [duration, setDuration] = useState(60);
  const [invited, setInvited] = useState<Set<string>>(new Set());
  const [agenda, setAgenda] = useState<AgendaItemInput[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await createRound({
        title,
        kind,
        scheduledAt: new Date(when).toISOString(),
        durationMinutes: duration,
        inviteeIds: [...invited],
        agenda: agenda.map((a) => ({
          title: a.title,
          consultationId: a.consultationId || null,
          presenterId: a.presenterId || null,
        })),
      });
      nav(`/rounds/${r.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const toggle = (id: string) =>
    setInvited((s) => (s.has(id) ? new Set([...s].filter((x) => x !== id)) : new Set([...s, id])));
  const setItem = (i: number, patch: Partial<AgendaItemInput>) =>
    setAgenda((a) => a.map((x, j) => (j === i ? { ...x, ...patch } : x)));

  return (
    <>
      <PageHeader title={t('rounds.new')} />
      <form className="card" onSubmit={(e) => void submit(e)} data-testid="round-form">
        <div className="form-grid">
          <label>
            {t('rounds.field.title')}
            <input
              name="title"
              required
              maxLength={200}
              value={title}
              onChange={(e) => setTitle(e.target.value)}
            />
          </label>
          <label>
            {t('rounds.field.kind')}
            <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as RoundKind)}>
              <option value="ward_round">{t('rounds.kind.ward_round')}</option>
              <option value="teaching">{t('rounds.kind.teaching')}</option>
            </select>
          </label>
          <label>
            {t('rounds.field.scheduledAt')}
            <input
              name="scheduledAt"
              type="datetime-local"
              required
              value={when}
              onChange={(e) => setWhen(e.target.value)}
            />
          </label>
          <label>
            {t('rounds.field.duration')}
            <input
              name="duration"
              type="number"
              min={5}
              max={600}
              value={duration}
              onChange={(e) => setDuration(Number(e.target.value))}
            />
          </label>
        </div>
        <fieldset className="rounds-invitees">
          <legend>{t('rounds.field.invitees')}</legend>
          <Loadable state={people}>
            {(list) => (
              <>
                {list.map((p) => (
                  <label key={p.userId} className="rounds-invitee">
                    <input
                      type="checkbox"
                      checked={invited.has(p.userId)}
                      onChange={() => toggle(p.userId)}
                      data-testid={`invite-${p.userId}`}
                    />
                    {p.displayName} <span className="muted">{hospitalName(p, locale)}</span>
                  </label>
                ))}
              </>
            )}
          </Loadable>
        </fieldset>
        <fieldset>
          <legend>{t('rounds.field.agenda')}</legend>
          {agenda.map((a, i) => (
            <div className="form-grid" key={i}>
              <label>
                {t('rounds.field.title')}
                <input
                  required
                  maxLength={200}
                  value={a.title}
                  onChange={(e) => setItem(i, { title: e.target.value })}
                />
              </label>
              <label>
                {t('rounds.field.consultationId')}
                <input
                  value={a.consultationId ?? ''}
                  onChange={(e) => setItem(i, { consultationId: e.target.value || null })}
                />
              </label>
              <button
                type="button"
                className="btn btn-small"
                onClick={() => setAgenda((x) => x.filter((_, j) => j !== i))}
              >
                {t('rounds.agenda.remove')}
              </button>
            </div>
          ))}
          <button
            type="button"
            className="btn btn-small"
            onClick={() => setAgenda((a) => [...a, { title: '' }])}
          >
            {t('rounds.agenda.add')}
          </button>
        </fieldset>
        <ErrorText error={error} />
        <button className="btn btn-primary" disabled={busy} data-testid="round-create">
          {t('rounds.create')}
        </button>
      </form>
    </>
  );
}
