import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router';
import {
  Permission,
  type ConsultationChangedEvent,
  type ConsultationDetail,
  type PatientDetail,
} from '@consult/shared';
import { get } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useSocketEvent } from '../../app/socket';
import { useSession } from '../../app/session';
import { useAsync } from '../../app/useAsync';
import { Loadable, PageHeader } from '../../app/ui';
import { getConsultation } from './api';
import { Actions } from './Actions';
import { CareTeam } from './CareTeam';
import { CaseStudies } from './CaseStudies';
import { SlaClock, StateBadge, UrgencyBadge } from './components';
import { attachmentUrl, Thread } from './Thread';
import './messages';

/** States in which a case cannot be presented in a round (the server refuses them too). */
const UNPRESENTABLE: string[] = ['draft', 'cancelled', 'declined'];

/** States in which a report can exist: from acceptance on. */
const REPORT_STATES: string[] = ['accepted', 'scheduled', 'in_progress', 'report_pending', 'completed'];

/** One consultation: state and actions, question and history, timeline, patient summary, thread, studies. */
export function ConsultationDetailPage() {
  const { id = '' } = useParams();
  const { t, locale, dt } = useI18n();
  const { allowed } = useSession();
  const state = useAsync(() => getConsultation(id), [id]);
  const [fresh, setFresh] = useState<ConsultationDetail | null>(null);
  const reload = state.reload;
  const onChanged = useCallback(
    (e: ConsultationChangedEvent) => {
      if (e.id === id) {
        setFresh(null);
        reload();
      }
    },
    [id, reload],
  );
  useSocketEvent('consultation:changed', onChanged);

  const name = (h: { nameZh: string; nameEn: string }) => (locale === 'zh-CN' ? h.nameZh : h.nameEn);
  return (
    <Loadable state={state}>
      {(loaded) => {
        const c = fresh && fresh.version >= loaded.version ? fresh : loaded;
        return (
          <section data-testid="consultation-detail" data-state={c.state}>
            <PageHeader
              title={`${c.patient.name} · ${t(`consult.type.${c.type}`)}`}
              actions={
                <>
                  <UrgencyBadge urgency={c.urgency} />
                  <StateBadge state={c.state} />
                  <SlaClock c={c} />
                  {allowed(Permission.RoundsCreate) &&
                    c.access.actions.includes('case:present') &&
                    !UNPRESENTABLE.includes(c.state) && (
                      <Link
                        className="btn btn-primary"
                        to={`/rounds/new?consultation=${c.id}`}
                        data-testid="schedule-round"
                      >
                        {t('consult.action.scheduled')}
                      </Link>
                    )}
                  {REPORT_STATES.includes(c.state) && (
                    <Link className="btn" to={`/consultations/${c.id}/report`} data-testid="open-report">
                      {t('consult.detail.openReport')}
                    </Link>
                  )}
                </>
              }
            />
            <Actions c={c} onDone={setFresh} />
            <div className="grid-2">
              <div>
                <div className="card">
                  <dl className="kv">
                    <dt>{t('consult.col.requester')}</dt>
                    <dd>
                      {name(c.requestingHospital)} · {c.requester.displayName}
                    </dd>
                    <dt>{t('consult.col.target')}</dt>
                    <dd>{name(c.targetHospital)}</dd>
                    <dt>{t('consult.col.assignee')}</dt>
                    <dd data-testid="assignee">{c.assignee?.displayName ?? '—'}</dd>
                    <dt>{t('consult.form.case')}</dt>
                    <dd>
                      {c.icd10} {c.diagnosis}
                    </dd>
                    {c.declineReason && (
                      <>
                        <dt>{t('consult.detail.declineReason')}</dt>
                        <dd>{c.declineReason}</dd>
                      </>
                    )}
                    {c.returnReason && (
                      <>
                        <dt>{t('consult.detail.returnReason')}</dt>
                        <dd>{c.returnReason}</dd>
                      </>
                    )}
                  </dl>
                  <h3>{t('consult.detail.question')}</h3>
                  <p className="pre">{c.clinicalQuestion}</p>
                  {c.historySummary && (
                    <>
                      <h3>{t('consult.detail.history')}</h3>
                      <p className="pre">{c.historySummary}</p>
                    </>
                  )}
                </div>
                <Thread consultationId={c.id} canPost={c.state !== 'draft'} />
              </div>
              <div>
                <PatientSummary patientId={c.patient.id} />
                <CareTeam c={c} onChange={reload} />
                <div className="card">
                  <h2>{t('consult.detail.timeline')}</h2>
                  <ol className="timeline" data-testid="timeline">
                    {c.transitions.map((x) => (
                      <li key={x.id}>
                        <strong>{t(`consult.state.${x.to}`)}</strong> · {x.actor.displayName} (
                        {t(`role.${x.actorRole}`)})<div className="muted">{dt(x.at)}</div>
                        {x.note && <div className="pre">{x.note}</div>}
                      </li>
                    ))}
                  </ol>
                </div>
                {c.attachments.length > 0 && (
                  <div className="card">
                    <h2>{t('consult.detail.attachments')}</h2>
                    <ul className="plain-list">
                      {c.attachments.map((a) => (
                        <li key={a.id}>
                          <a href={attachmentUrl(a)} target="_blank" rel="noreferrer">
                            {a.fileName}
                          </a>{' '}
                          <span className="muted">
                            {Math.ceil(a.sizeBytes / 1024)} KB · {a.uploadedBy.displayName}
                          </span>
                        </li>
                      ))}
                    </ul>
                  </div>
                )}
                <CaseStudies c={c} onChange={reload} />
              </div>
            </div>
          </section>
        );
      }}
    </Loadable>
  );
}

function PatientSummary({ patientId }: { patientId: string }) {
  const { t } = useI18n();
  const state = useAsync(() => get<PatientDetail>(`/api/patients/${patientId}`), [patientId]);
  return (
    <div className="card" data-testid="patient-summary">
      <h2>{t('consult.detail.patient')}</h2>
      <Loadable state={state}>
        {(p) => (
          <>
            <dl className="kv">
              <dt>{t('patients.name')}</dt>
              <dd>{p.name}</dd>
              <dt>{t('patients.sex')}</dt>
              <dd>{t(`patients.sex.${p.sex}`)}</dd>
              <dt>{t('patients.birthDate')}</dt>
              <dd>{p.birthDate}</dd>
              <dt>{t('patients.nationalId')}</dt>
              <dd className="mono">{p.nationalId ?? '—'}</dd>
              <dt>{t('patients.poverty')}</dt>
              <dd>{p.povertyRegistered ? t('common.yes') : t('common.no')}</dd>
            </dl>
            <ul className="plain-list">
              {p.cases.map((k) => (
                <li key={k.id}>
                  <strong>
                    {k.icd10} {k.diagnosis}
                  </strong>{' '}
                  <span className="badge">{t(`patients.caseStatus.${k.status}`)}</span>
                  {k.treatmentPlan && <div className="pre muted">{k.treatmentPlan}</div>}
                </li>
              ))}
            </ul>
            <Link to={`/patients/${p.id}`}>{t('consult.detail.openPatient')}</Link>
          </>
        )}
      </Loadable>
    </div>
  );
}
