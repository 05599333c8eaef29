import { useState } from 'react';
import type { AuditEvent, AuditVerifyResult } from '@consult/shared';
import { get } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { useAsync } from '../../app/useAsync';
import { ErrorText, Loadable, PageHeader } from '../../app/ui';
import './messages';

export function AuditPage() {
  const { t, dt } = useI18n();
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
                      {e.actorRole ?? '—'} <span className="muted mono">{e.actorId?.slice(0, 8)}</span>
                    </td>
                    <td className="mono">{e.action}</td>
                    <td>
                      {e.entityType} <span className="muted mono">{e.entityId?.slice(0, 8)}</span>
                    </td>
                    <td className={e.outcome === 'success' ? '' : 'text-warn'}>{e.outcome}</td>
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
