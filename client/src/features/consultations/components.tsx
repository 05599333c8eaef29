import { useEffect, useState } from 'react';
import type { ConsultationState, ConsultationSummary, Urgency } from '@consult/shared';
import { SLA_RUNNING_STATES } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import './consultations.css';

export function StateBadge({ state }: { state: ConsultationState }) {
  const { t } = useI18n();
  return (
    <span className={`badge state-${state}`} data-testid="state-badge" data-state={state}>
      {t(`consult.state.${state}`)}
    </span>
  );
}

export function UrgencyBadge({ urgency }: { urgency: Urgency }) {
  const { t } = useI18n();
  const cls =
    urgency === 'emergency' ? 'badge badge-emergency' : urgency === 'urgent' ? 'badge badge-urgent' : 'badge';
  return <span className={cls}>{t(`consult.urgency.${urgency}`)}</span>;
}

/** Re-render every `ms` (for clocks). */
export function useNow(ms = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

type T = (key: string, vars?: Record<string, string | number>) => string;
const fmt = (ms: number, t: T) => {
  const m = Math.max(0, Math.round(ms / 60_000));
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  if (d >= 1) return t('consult.dur.dh', { d, h: h % 24 });
  if (h >= 1) return t('consult.dur.hm', { h, m: m % 60 });
  return t('consult.dur.m', { m });
};

/** Time left until the response is due, or how late; after a response, whether it was in time. */
export function SlaClock({ c }: { c: Pick<ConsultationSummary, 'slaDueAt' | 'state' | 'slaBreached'> }) {
  const { t } = useI18n();
  const now = useNow();
  if (!c.slaDueAt) return <span className="muted">—</span>;
  const due = Date.parse(c.slaDueAt);
  if (SLA_RUNNING_STATES.includes(c.state)) {
    const left = due - now;
    const cls = left < 0 ? 'sla sla-over' : left < 3600_000 ? 'sla sla-soon' : 'sla';
    return (
      <span className={cls} data-testid="sla-clock">
        {left < 0
          ? t('consult.sla.overdue', { time: fmt(-left, t) })
          : t('consult.sla.left', { time: fmt(left, t) })}
      </span>
    );
  }
  if (['draft', 'cancelled'].includes(c.state)) return <span className="muted">—</span>;
  return (
    <span className={c.slaBreached ? 'sla sla-over' : 'sla sla-ok'}>
      {c.slaBreached ? t('consult.sla.breached') : t('consult.sla.met')}
    </span>
  );
}
