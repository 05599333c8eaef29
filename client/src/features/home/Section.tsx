import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { WorklistCase } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { StateBadge, UrgencyBadge } from '../consultations/components';

/** One section of the worklist: a title with its count, its rows, an empty state, and "more" when cut. */
export function Section<T>({
  id,
  title,
  total,
  totalCapped,
  items,
  empty,
  more,
  row,
}: {
  id: string;
  title: string;
  total: number;
  /** More than `total` (the server counts up to a cap). */
  totalCapped?: boolean;
  items: T[];
  empty: string;
  /** Where the whole list lives, when the section shows only its first rows. */
  more?: string;
  row: (item: T) => ReactNode;
}) {
  const { t } = useI18n();
  return (
    <div className="card worklist-section" data-testid={`worklist-${id}`}>
      <h2>
        {title}{' '}
        <span className="badge" data-testid="worklist-count">
          {totalCapped ? `${total}+` : total}
        </span>
      </h2>
      {items.length === 0 ? (
        <p className="muted" data-testid="worklist-empty">
          {empty}
        </p>
      ) : (
        <ul className="plain-list worklist-rows">{items.map(row)}</ul>
      )}
      {total > items.length && more && (
        <Link to={more} className="muted">
          {t(totalCapped ? 'home.moreThan' : 'home.more', { n: total - items.length })}
        </Link>
      )}
    </div>
  );
}

/** A consultation case as a row: patient, diagnosis, state, urgency, the other hospital, and what matters now. */
export function CaseRow({ c, extra }: { c: WorklistCase; extra?: ReactNode }) {
  const { t, locale } = useI18n();
  return (
    <li
      data-testid="worklist-row"
      data-id={c.consultationId}
      data-breached={c.slaBreached}
      className={c.slaBreached ? 'worklist-breached' : undefined}
    >
      <Link to={`/consultations/${c.consultationId}`}>
        <strong>{c.patientName}</strong> · {c.diagnosis}
      </Link>{' '}
      {c.povertyRegistered && <span className="badge">{t('home.poverty')}</span>}{' '}
      <StateBadge state={c.state} /> <UrgencyBadge urgency={c.urgency} />{' '}
      <span className="muted">{locale === 'zh-CN' ? c.counterpartZh : c.counterpartEn}</span> {extra}
    </li>
  );
}
