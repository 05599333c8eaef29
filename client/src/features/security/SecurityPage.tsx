import { useCallback, useEffect, useState } from 'react';
import { Permission, type RecoveryCodes, type SessionInfo, type SessionList } from '@consult/shared';
import { del, errorText, get, post } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { askText } from '../../app/prompt';
import { useSession } from '../../app/session';
import { MfaEnrol, RecoveryCodeList } from './MfaEnrol';
import { SigningKeySection } from './SigningKeySection';
import './messages';

/** The user's own account security: second factor, recovery codes, sessions, remembered browsers. */
export function SecurityPage() {
  const { t, locale } = useI18n();
  const { me, refresh, allowed } = useSession();
  const [sessions, setSessions] = useState<SessionInfo[]>([]);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const when = (iso: string) => new Date(iso).toLocaleString(locale);

  const load = useCallback(async () => {
    setSessions((await get<SessionList>('/api/auth/sessions')).items);
  }, []);
  useEffect(() => {
    void load().catch((e: unknown) => setError(errorText(locale, e)));
  }, [load, locale]);

  const act = async (fn: () => Promise<void>) => {
    setError(null);
    setNotice(null);
    try {
      await fn();
    } catch (e) {
      setError(errorText(locale, e));
    }
  };
  const regenerate = () =>
    act(async () => {
      const code = await askText({
        titleKey: 'security.recoveryRegenerate',
        labelKey: 'security.code',
        minLength: 6,
      });
      if (!code) return;
      setCodes((await post<RecoveryCodes>('/api/auth/totp/recovery-codes', { code: code.trim() })).codes);
    });

  if (!me) return null;
  return (
    <section className="page" data-testid="security-page">
      <h2>{t('security.title')}</h2>
      {error && (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      )}
      {notice && <p className="alert">{notice}</p>}
      <div className="card">
        <h3>{t('security.mfa')}</h3>
        <p data-testid="mfa-status">{me.mfa.enabled ? t('security.mfaOn') : t('security.mfaOff')}</p>
        {codes ? (
          <RecoveryCodeList codes={codes} onDone={() => setCodes(null)} />
        ) : me.mfa.enabled ? (
          <button className="btn" onClick={() => void regenerate()} data-testid="mfa-regenerate">
            {t('security.recoveryRegenerate')}
          </button>
        ) : (
          <MfaEnrol onDone={() => void refresh()} />
        )}
        {me.mfa.enabled && (
          <button
            className="btn btn-ghost"
            onClick={() =>
              void act(async () => {
                await del('/api/auth/devices');
                setNotice(t('security.devicesForgotten'));
              })
            }
          >
            {t('security.forgetDevices')}
          </button>
        )}
      </div>
      {allowed(Permission.ReportsSign) && <SigningKeySection />}
      <div className="card">
        <h3>{t('security.sessions')}</h3>
        <table className="table" data-testid="session-list">
          <thead>
            <tr>
              <th>{t('security.sessionStarted')}</th>
              <th>{t('security.sessionSeen')}</th>
              <th>IP</th>
              <th>User-Agent</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id}>
                <td>{when(s.createdAt)}</td>
                <td>{when(s.lastSeenAt)}</td>
                <td>{s.ip ?? '—'}</td>
                <td className="muted">{s.userAgent.slice(0, 80)}</td>
                <td>
                  {s.current ? (
                    <span className="badge">{t('security.sessionCurrent')}</span>
                  ) : (
                    <button
                      className="btn btn-small"
                      data-testid="session-end"
                      onClick={() =>
                        void act(async () => {
                          await del(`/api/auth/sessions/${s.id}`);
                          await load();
                        })
                      }
                    >
                      {t('security.sessionEnd')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
