import { useState } from 'react';
import type { AuditEvent, AuditVerifyResult } from '@consult/shared';
import { get } from '../../app/api';
import { hasMessage, useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';
import { ErrorText, Loadable, PageHeader } from '../../app/ui';
import './messages';
import './auditLabels';

export function AuditPage() {
  const { t, dt, locale } = useI18n();
  /** A code's label, or the code itself when a newer server writes one this client does not know. */
  const label = (prefix: string, code: string | null) =>
    code === null ? '—' : hasMessage(locale, `${prefix}.${code}`) ? t(`${prefix}.${code}`) : code;
  const events = useAsync(() => get<AuditEvent[]>('/api/audit?limit=200'), []);
  const [verify, setVerify] = useState<AuditVerifyResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const check = async () => {
    try {
      setVerify(await get<AuditVerifyResult>('/api/audit/verify'));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section>
      <PageHeader
        title={t('nav.audit')}
        actions={
          <button className="btn" onClick={() => void check()}>
            {t('audit.verify')}
          </button>
        }
      />
      <ErrorText error={error} />
      {verify && (
        <p className={verify.ok ? 'alert alert-ok' : 'alert alert-error'} role="status">
          {verify.ok
            ? t('audit.ok', { n: verify.checked })
            : t('audit.broken', { seq: verify.firstBadSeq ?? '?', reason: verify.reason ?? '' })}
        </p>
      )}
      <div className="card">
        <Loadable state={events}>
          {(rows) => (
            <table className="table table-dense">
              <thead>
                <tr>
                  <th>{t('audit.seq')}</th>
                  <th>{t('audit.at')}</th>
                  <th>{t('audit.actor')}</th>
                  <th>{t('audit.action')}</th>
                  <th>{t('audit.entity')}</th>
                  <th>{t('audit.outcome')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((e) => (
                  <tr key={e.seq}>
                    <td>{e.seq}</td>
                    <td>{dt(e.at)}</td>
                    <td>
                      {e.actorRole ? t(`role.${e.actorRole}`) : '—'}{' '}
                      <span className="muted mono">{e.actorId?.slice(0, 8)}</span>
                    </td>
                    <td title={e.action}>{label('audit.action', e.action)}</td>
                    <td>
                      {label('audit.entity', e.entityType)}{' '}
                      <span className="muted mono">{e.entityId?.slice(0, 8)}</span>
                    </td>
                    <td className={e.outcome === 'success' ? '' : 'text-warn'}>
                      {label('audit.outcome', e.outcome)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loadable>
      </div>
    </section>
  );
}
