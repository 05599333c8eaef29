import { useCallback, useState, type FormEvent } from 'react';
import {
  TEAM_PURPOSES,
  type CareTeamCandidate,
  type ConsultationDetail,
  type TeamPurpose,
} from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { useMe } from '../../app/session';
import { useSocketEvent } from '../../app/socket';
import { useAsync } from '../../app/useAsync';
import { ErrorText, Loadable } from '../../app/ui';
import { addTeamMember, getTeam, removeTeamMember, setTeachingShare, teamCandidates } from './api';
import './messages';

/**
 * Who may see this case and why (the access policy, as the server answers it): the requesting hospital, the
 * triage queue while it waits, the consultant and the colleagues they added; the consultant adds and removes
 * colleagues, a member may leave; the requesting hospital gives or withdraws consent to teaching rounds.
 */
export function CareTeam({ c, onChange }: { c: ConsultationDetail; onChange(): void }) {
  const { t, dt, locale } = useI18n();
  const me = useMe();
  const team = useAsync(() => getTeam(c.id), [c.id, c.version, c.sharedForTeaching]);
  const [error, setError] = useState<unknown>(null);
  /** The consent as just clicked, until the server's answer is loaded (then the loaded value rules). */
  const [sharing, setSharing] = useState<boolean | null>(null);
  const reload = team.reload;
  useSocketEvent(
    'entity:changed',
    useCallback(
      (e: { entityType: string; entityId: string }) => {
        if (e.entityType === 'consultation' && e.entityId === c.id) reload();
      },
      [c.id, reload],
    ),
  );
  const act = (p: Promise<unknown>) =>
    p.then(
      () => {
        setError(null);
        reload();
        onChange();
      },
      (err: unknown) => setError(err),
    );
  const can = (a: string) => c.access.actions.includes(a as never);
  const hospital = (h: { nameZh: string; nameEn: string }) => (locale === 'zh-CN' ? h.nameZh : h.nameEn);

  return (
    <div className="card" data-testid="care-team">
      <h2>{t('team.title')}</h2>
      <p className="muted">{t('team.rule')}</p>
      <Loadable state={team}>
        {(tm) => (
          <ul className="plain-list" data-testid="care-team-members">
            {tm.members.map((m) => (
              <li key={`${m.standing}-${m.userId}`} data-user={m.userId}>
                <strong>{m.displayName}</strong> · {t(`role.${m.role}`)} ·{' '}
                <span className="badge">{t(`team.standing.${m.standing}`)}</span>
                {m.purpose && <span className="badge">{t(`team.purpose.${m.purpose}`)}</span>}
                {m.addedBy && m.addedAt && (
                  <div className="muted">{t('team.addedBy', { name: m.addedBy, at: dt(m.addedAt) })}</div>
                )}
                {m.standing === 'member' && (can('case:manage-team') || m.userId === me.id) && (
                  <button
                    className="link"
                    data-testid={`team-remove-${m.userId}`}
                    onClick={() => void act(removeTeamMember(c.id, m.userId))}
                  >
                    {m.userId === me.id ? t('team.leave') : t('team.remove')}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </Loadable>
      <p className="muted">{t('team.owners', { hospital: hospital(c.requestingHospital) })}</p>
      {(c.state === 'submitted' || c.state === 'triaged') && (
        <p className="muted">{t('team.triage', { hospital: hospital(c.targetHospital) })}</p>
      )}
      {can('case:manage-team') && <AddMember c={c} onAdded={(p) => void act(p)} />}
      {team.data &&
        (team.data.access.actions.includes('case:share-teaching') ? (
          <label className="checkbox" title={t('team.teaching.help')}>
            <input
              type="checkbox"
              data-testid="teaching-share"
              checked={sharing ?? team.data.sharedForTeaching}
              onChange={(e) => {
                setSharing(e.target.checked);
                void act(setTeachingShare(c.id, e.target.checked)).finally(() => setSharing(null));
              }}
            />{' '}
            {t('team.teaching')}
            <div className="muted">{t('team.teaching.help')}</div>
          </label>
        ) : (
          <p className="muted" data-testid="teaching-status">
            {t(team.data.sharedForTeaching ? 'team.teaching.on' : 'team.teaching.off')}
          </p>
        ))}
      <ErrorText error={error} />
    </div>
  );
}

function AddMember({ c, onAdded }: { c: ConsultationDetail; onAdded(p: Promise<unknown>): void }) {
  const { t } = useI18n();
  const people = useAsync<CareTeamCandidate[]>(() => teamCandidates(c.id), [c.id, c.version]);
  const [who, setWho] = useState('');
  const [why, setWhy] = useState<TeamPurpose>('imaging');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onAdded(addTeamMember(c.id, { userId: who, purpose: why }).then(() => setWho('')));
  };
  return (
    <form className="form-row" onSubmit={submit} data-testid="team-add">
      <label>
        {t('team.addWho')}
        <select name="userId" value={who} onChange={(e) => setWho(e.target.value)} required>
          <option value="">—</option>
          {(people.data ?? []).map((p) => (
            <option key={p.userId} value={p.userId}>
              {p.displayName} · {t(`role.${p.role}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('team.addWhy')}
        <select name="purpose" value={why} onChange={(e) => setWhy(e.target.value as TeamPurpose)}>
          {TEAM_PURPOSES.filter((p) => p !== 'triage').map((p) => (
            <option key={p} value={p}>
              {t(`team.purpose.${p}`)}
            </option>
          ))}
        </select>
      </label>
      <button className="btn" type="submit" disabled={!who}>
        {t('team.add')}
      </button>
    </form>
  );
}
