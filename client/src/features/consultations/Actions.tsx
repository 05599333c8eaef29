import { useState } from 'react';
import {
  Permission,
  findTransition,
  type Assignable,
  type ConsultationDetail,
  type ConsultationState,
} from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { useMe, useSession } from '../../app/session';
import './messages';
import { ErrorText } from '../../app/ui';
import { assignable, transition } from './api';

/** The transitions this user may take now, as buttons; reasons and assignees asked for inline. */
export function Actions({ c, onDone }: { c: ConsultationDetail; onDone(d: ConsultationDetail): void }) {
  const { t } = useI18n();
  const me = useMe();
  const { allowed } = useSession();
  const [pending, setPending] = useState<ConsultationState | null>(null);
  const [reason, setReason] = useState('');
  const [assignee, setAssignee] = useState('');
  const [keepOnTeam, setKeepOnTeam] = useState(false);
  const [people, setPeople] = useState<Assignable[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const run = async (
    to: ConsultationState,
    extra: { reason?: string; assigneeId?: string; keepOnTeam?: boolean } = {},
  ) => {
    setBusy(true);
    try {
      const d = await transition(c.id, { to, version: c.version, ...extra });
      setPending(null);
      setReason('');
      setError(null);
      onDone(d);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const start = async (to: ConsultationState) => {
    const needs = findTransition(c.state, to)?.needs;
    if (!needs) return run(to);
    setPending(to);
    if (needs === 'assignee' && allowed(Permission.ConsultationsTriage))
      setPeople(await assignable(c.id).catch(() => []));
  };

  // "Schedule a round" is a round scheduled from the case (the page header's link), not a bare state change.
  const buttons = c.allowedTransitions.filter((to) => to !== 'scheduled');
  if (buttons.length === 0) return null;
  const needs = pending ? findTransition(c.state, pending)?.needs : undefined;
  return (
    <div className="card" data-testid="consultation-actions">
      <div className="actions-bar">
        {c.allowedTransitions.includes('triaged') && (
          <button
            className="btn btn-primary"
            disabled={busy}
            onClick={() => void run('triaged', { assigneeId: me.id })}
            data-testid="action-assign-me"
          >
            {t('consult.assignToMe')}
          </button>
        )}
        {buttons.map((to) => (
          <button
            key={to}
            className={
              to === 'declined' || to === 'cancelled'
                ? 'btn btn-danger'
                : to === 'accepted' || to === 'submitted'
                  ? 'btn btn-primary'
                  : 'btn'
            }
            disabled={busy}
            onClick={() => void start(to)}
            data-testid={`action-${to}`}
          >
            {t(`consult.action.${to}`)}
          </button>
        ))}
      </div>
      {pending && needs === 'reason' && (
        <form
          className="form-row"
          onSubmit={(e) => {
            e.preventDefault();
            void run(pending, { reason });
          }}
        >
          <label style={{ flex: 1 }}>
            {t('consult.reason')}
            <input
              name="reason"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              required
              maxLength={2000}
              style={{ width: '100%' }}
            />
          </label>
          <button className="btn btn-primary" type="submit" disabled={busy || !reason.trim()}>
            {t(`consult.action.${pending}`)}
          </button>
          <button className="btn" type="button" onClick={() => setPending(null)}>
            {t('common.cancel')}
          </button>
        </form>
      )}
      {pending && needs === 'assignee' && (
        <form
          className="form-row"
          onSubmit={(e) => {
            e.preventDefault();
            void run(pending, {
              assigneeId: assignee,
              ...(assignee !== me.id && keepOnTeam && { keepOnTeam }),
            });
          }}
        >
          <label>
            {t('consult.assignee')}
            <select name="assignee" value={assignee} onChange={(e) => setAssignee(e.target.value)} required>
              <option value="">—</option>
              {people.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.displayName} · {t(`role.${p.role}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="checkbox">
            <input
              type="checkbox"
              name="keepOnTeam"
              checked={keepOnTeam}
              onChange={(e) => setKeepOnTeam(e.target.checked)}
            />{' '}
            {t('consult.keepOnTeam')}
          </label>
          <button className="btn btn-primary" type="submit" disabled={busy || !assignee}>
            {t('consult.action.triaged')}
          </button>
          <button className="btn" type="button" onClick={() => setPending(null)}>
            {t('common.cancel')}
          </button>
        </form>
      )}
      <ErrorText error={error} />
    </div>
  );
}
