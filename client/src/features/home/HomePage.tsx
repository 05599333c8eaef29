import { useCallback } from 'react';
import { Link } from 'react-router';
import type {
  AdminWorklist,
  CountyWorklist,
  RadiologistWorklist,
  SpecialistWorklist,
  Worklist,
} from '@consult/shared';
import { WORKLIST_IDLE_DAYS } from '@consult/shared';
import { get } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useMe } from '../../app/session';
import { useSocketEvent } from '../../app/socket';
import { useAsync } from '../../app/useAsync';
import { Loadable, PageHeader } from '../../app/ui';
import { SlaClock } from '../consultations/components';
import { CaseRow, Section } from './Section';
import { Network } from './Network';
import '../consultations/messages';
import './messages';
import './home.css';

/**
 * Home is the user's worklist (GET /api/worklist): what needs them now, per role. It refreshes when a case
 * changes, an object they watch changes, or a notification arrives.
 */
export function HomePage() {
  const me = useMe();
  const { t } = useI18n();
  const state = useAsync(() => get<Worklist>('/api/worklist'), [me.id]);
  const reload = state.reload;
  const onEvent = useCallback(() => reload(), [reload]);
  useSocketEvent('consultation:changed', onEvent);
  useSocketEvent('entity:changed', onEvent);
  useSocketEvent('notification:new', onEvent);
  return (
    <section data-testid="home-worklist">
      <PageHeader title={t('home.welcome', { name: me.displayName })} />
      <Loadable state={state}>
        {(w) => {
          switch (w.role) {
            case 'county_doctor':
              return <County w={w} />;
            case 'specialist':
              return <Specialist w={w} />;
            case 'radiologist':
              return <Radiologist w={w} />;
            default:
              return <Admin w={w} />;
          }
        }}
      </Loadable>
      <Network />
    </section>
  );
}

function County({ w }: { w: CountyWorklist }) {
  const { t, dt } = useI18n();
  return (
    <div className="grid-2">
      <Section
        id="returned"
        title={t('home.returned')}
        {...w.returned}
        empty={t('home.empty.returned')}
        more="/consultations"
        row={(c) => (
          <CaseRow
            key={c.consultationId}
            c={c}
            extra={
              c.returnReason && (
                <div className="muted">{t('home.returnReason', { reason: c.returnReason })}</div>
              )
            }
          />
        )}
      />
      <Section
        id="toAcknowledge"
        title={t('home.toAcknowledge')}
        {...w.toAcknowledge}
        empty={t('home.empty.toAcknowledge')}
        more="/reports"
        row={(r) => (
          <li key={r.reportId} data-testid="worklist-row" data-id={r.reportId}>
            <Link to={`/consultations/${r.consultationId}/report`}>
              <strong>{r.patientName}</strong> · {r.reportNumber ?? ''}
            </Link>{' '}
            {r.povertyRegistered && <span className="badge">{t('home.poverty')}</span>}{' '}
            <span className="muted">{t('home.signedBy', { name: r.authorName, time: dt(r.signedAt) })}</span>
          </li>
        )}
      />
      <Section
        id="drafts"
        title={t('home.drafts')}
        {...w.drafts}
        empty={t('home.empty.drafts')}
        more="/consultations"
        row={(c) => <CaseRow key={c.consultationId} c={c} />}
      />
      <Section
        id="overdueFollowUps"
        title={t('home.overdueFollowUps')}
        {...w.overdueFollowUps}
        empty={t('home.empty.overdueFollowUps')}
        more="/patients/overdue"
        row={(f) => (
          <li
            key={`${f.patientId}-${f.dueDate}-${f.diagnosis}`}
            data-testid="worklist-row"
            data-id={f.patientId}
          >
            <Link to={`/patients/${f.patientId}`}>
              <strong>{f.patientName}</strong> · {f.diagnosis}
            </Link>{' '}
            {f.povertyRegistered && <span className="badge">{t('home.poverty')}</span>}{' '}
            {f.chronic && <span className="badge">{t('home.chronic')}</span>}{' '}
            <span className="badge badge-emergency">{t('home.daysOverdue', { n: f.daysOverdue })}</span>{' '}
            <span className="muted">{t('home.dueOn', { date: f.dueDate })}</span>
          </li>
        )}
      />
    </div>
  );
}

function Specialist({ w }: { w: SpecialistWorklist }) {
  const { t, dt } = useI18n();
  return (
    <div className="grid-2">
      <Section
        id="triage"
        title={t('home.triage')}
        {...w.triage}
        empty={t('home.empty.triage')}
        more="/consultations"
        row={(c) => (
          <CaseRow
            key={c.consultationId}
            c={c}
            extra={
              <>
                <SlaClock c={c} />{' '}
                {c.assigneeName && (
                  <span className="muted">{t('home.assignee', { name: c.assigneeName })}</span>
                )}
              </>
            }
          />
        )}
      />
      <Section
        id="mine"
        title={t('home.mine')}
        {...w.mine}
        empty={t('home.empty.mine')}
        more="/consultations"
        row={(c) => (
          <CaseRow
            key={c.consultationId}
            c={c}
            extra={c.teamPurpose && <span className="badge">{t(`team.purpose.${c.teamPurpose}`)}</span>}
          />
        )}
      />
      <Section
        id="roundsToday"
        title={t('home.roundsToday')}
        {...w.roundsToday}
        empty={t('home.empty.roundsToday')}
        more="/rounds"
        row={(r) => (
          <li key={r.roundId} data-testid="worklist-row" data-id={r.roundId}>
            <Link to={`/rounds/${r.roundId}`}>
              <strong>{r.title}</strong>
            </Link>{' '}
            <span className={r.status === 'live' ? 'badge badge-urgent' : 'badge'}>
              {t(`home.roundStatus.${r.status}`)}
            </span>{' '}
            <span className="badge">{r.hosting ? t('home.hosting') : t('home.invited')}</span>{' '}
            <span className="muted">
              {dt(r.scheduledAt)} · {t('home.agendaCount', { n: r.agendaCount })}
            </span>
          </li>
        )}
      />
    </div>
  );
}

function Radiologist({ w }: { w: RadiologistWorklist }) {
  const { t } = useI18n();
  return (
    <Section
      id="readings"
      title={t('home.readings')}
      {...w.readings}
      empty={t('home.empty.readings')}
      more="/consultations"
      row={(c) => (
        <CaseRow
          key={c.consultationId}
          c={c}
          extra={<span className="badge">{t('home.studyCount', { n: c.studyCount })}</span>}
        />
      )}
    />
  );
}

function Admin({ w }: { w: AdminWorklist }) {
  const { t, dt, locale } = useI18n();
  const zh = locale === 'zh-CN';
  return (
    <div className="grid-2">
      <Section
        id="slaBreaches"
        title={t('home.slaBreaches')}
        {...w.slaBreaches}
        empty={t('home.empty.slaBreaches')}
        more="/dashboard"
        row={(b) => (
          <li key={b.hospitalId} data-testid="worklist-row" data-id={b.hospitalId}>
            <Link to="/dashboard">{zh ? b.nameZh : b.nameEn}</Link>{' '}
            <span className="badge badge-emergency">{t('home.requests', { n: b.count })}</span>
          </li>
        )}
      />
      <Section
        id="idlePairings"
        title={t('home.idlePairings', { days: WORKLIST_IDLE_DAYS })}
        {...w.idlePairings}
        empty={t('home.empty.idlePairings')}
        more="/admin/pairings"
        row={(p) => (
          <li key={p.pairingId} data-testid="worklist-row" data-id={p.pairingId}>
            <Link to="/admin/pairings">
              {zh ? p.tertiaryZh : p.tertiaryEn} ↔ {zh ? p.countyZh : p.countyEn}
            </Link>{' '}
            <span className="muted">
              {p.programName} ·{' '}
              {p.lastActivityAt
                ? t('home.lastActivity', { time: dt(p.lastActivityAt) })
                : t('home.noActivity')}
            </span>
          </li>
        )}
      />
      <div className="card worklist-section" data-testid="worklist-disabledUsers">
        <h2>
          {t('home.disabledUsers')}{' '}
          <span className="badge" data-testid="worklist-count">
            {w.disabledUsers}
          </span>
        </h2>
        <Link to="/admin/users">{t('home.manageUsers')}</Link>
      </div>
    </div>
  );
}
