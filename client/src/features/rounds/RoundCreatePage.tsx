import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import type { AgendaItemInput, RoundKind } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { ErrorText, Loadable, PageHeader } from '../../app/ui';
import { useAsync } from '../../app/useAsync';
import { AgendaEditor } from './AgendaEditor';
import { candidates, createRound, presentableCases, roundDraft } from './api';
import { hospitalName } from './format';
import './room.messages';
import '../consultations/messages';

const localInput = (d: Date) =>
  new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

/** A new round; from a case (`?consultation=`), prefilled with its title, agenda and care team. */
export function RoundCreatePage() {
  const { t, locale } = useI18n();
  const nav = useNavigate();
  const [params] = useSearchParams();
  const fromCase = params.get('consultation');
  const people = useAsync(candidates, []);
  const cases = useAsync(presentableCases, []);
  const draft = useAsync(() => (fromCase ? roundDraft(fromCase) : Promise.resolve(null)), [fromCase]);
  const [title, setTitle] = useState('');
  const [kind, setKind] = useState<RoundKind>('ward_round');
  const [when, setWhen] = useState(localInput(new Date(Date.now() + 3600_000)));
  const [duration, setDuration] = useState(60);
  const [invited, setInvited] = useState<Set<string>>(new Set());
  const [agenda, setAgenda] = useState<AgendaItemInput[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const d = draft.data;
  useEffect(() => {
    if (!d) return;
    setTitle(d.title);
    setKind(d.kind);
    setDuration(d.durationMinutes);
    setInvited(new Set(d.invitees.map((p) => p.userId)));
    setAgenda([{ title: d.case.title, consultationId: d.case.consultationId }]);
  }, [d]);
  const team = new Set(d?.invitees.map((p) => p.userId) ?? []);
  const caseOnAgenda = !!d && agenda.some((a) => a.consultationId === d.case.consultationId);

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
        ...(d?.schedulesCase && caseOnAgenda && { scheduleCase: d.case.consultationId }),
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

  return (
    <>
      <PageHeader title={fromCase ? t('rounds.fromCase.title') : t('rounds.new')} />
      <ErrorText error={draft.error} />
      {d && (
        <p className="muted" data-testid="round-from-case">
          {t('rounds.fromCase.help')} {d.schedulesCase && caseOnAgenda && t('rounds.fromCase.schedules')}
        </p>
      )}
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
                    {d && caseOnAgenda && invited.has(p.userId) && !team.has(p.userId) && (
                      <span className="text-warn" data-testid={`not-on-team-${p.userId}`}>
                        {' '}
                        {t('rounds.fromCase.notOnTeam')}
                      </span>
                    )}
                  </label>
                ))}
              </>
            )}
          </Loadable>
        </fieldset>
        <AgendaEditor agenda={agenda} cases={cases.data ?? []} onChange={setAgenda} />
        <ErrorText error={error} />
        <button className="btn btn-primary" disabled={busy} data-testid="round-create">
          {t('rounds.create')}
        </button>
      </form>
    </>
  );
}
