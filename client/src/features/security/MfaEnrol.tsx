import { useState, type FormEvent } from 'react';
import type { RecoveryCodes, TotpSetup } from '@consult/shared';
import { errorText, post } from '../../app/api';
import { useI18n } from '../../app/i18n';
import './messages';

/** Enrol an authenticator app: QR code and key, a code to confirm, then the recovery codes once. */
export function MfaEnrol({ onDone }: { onDone: () => void }) {
  const { t, locale } = useI18n();
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(errorText(locale, e));
    } finally {
      setBusy(false);
    }
  };
  const confirm = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => setCodes((await post<RecoveryCodes>('/api/auth/totp/confirm', { code })).codes));
  };

  if (codes) return <RecoveryCodeList codes={codes} onDone={onDone} />;
  if (!setup) {
    return (
      <div>
        {error && (
          <p className="alert alert-error" role="alert">
            {error}
          </p>
        )}
        <button
          className="btn btn-primary"
          disabled={busy}
          data-testid="mfa-start"
          onClick={() => void run(async () => setSetup(await post<TotpSetup>('/api/auth/totp/setup')))}
        >
          {t('security.enrolStart')}
        </button>
      </div>
    );
  }
  return (
    <form onSubmit={confirm} className="stack">
      <p>{t('security.enrolScan')}</p>
      <img
        alt="QR"
        width={200}
        height={200}
        src={`data:image/svg+xml;utf8,${encodeURIComponent(setup.qrSvg)}`}
        data-testid="mfa-qr"
      />
      <p>
        {t('security.secret')}: <code data-testid="mfa-secret">{setup.secret}</code>
      </p>
      <label>
        {t('security.code')}
        <input
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]{6}"
          value={code}
          onChange={(e) => setCode(e.target.value.trim())}
          required
          data-testid="mfa-code"
        />
      </label>
      {error && (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      )}
      <button className="btn btn-primary" type="submit" disabled={busy} data-testid="mfa-confirm">
        {t('security.confirm')}
      </button>
    </form>
  );
}

export function RecoveryCodeList({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const { t } = useI18n();
  return (
    <div className="stack">
      <h3>{t('security.recoveryTitle')}</h3>
      <p>{t('security.recoveryHelp')}</p>
      <ul className="recovery-codes" data-testid="mfa-recovery-codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <button className="btn btn-primary" onClick={onDone} data-testid="mfa-recovery-done">
        {t('security.recoveryDone')}
      </button>
    </div>
  );
}
