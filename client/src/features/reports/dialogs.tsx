import { useEffect, useState, type FormEvent } from 'react';
import type { MySigningKey } from '@consult/shared';
import { mySigningKey } from '../security/signingKeyApi';
import { useI18n } from '../../app/i18n';
import { ErrorText } from '../../app/ui';

/**
 * Sign: with the author's own signing key, its PIN; without one (while the deployment allows it), the account
 * password (the deployment key). Which one is asked is read from /api/signers/me when the dialog opens.
 */
export function SignDialog({
  onSign,
  onCancel,
}: {
  onSign(secret: { pin: string } | { password: string }): Promise<void>;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const [key, setKey] = useState<MySigningKey | null>(null);
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    void mySigningKey().then(setKey, setError);
  }, []);
  const usePin = !!key?.active;
  const blocked = !!key && !key.active && key.keyRequired;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSign(usePin ? { pin: secret } : { password: secret });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <div className="dialog-backdrop">
      <form
        className="card dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="sign-title"
        onSubmit={(e) => void submit(e)}
      >
        <h2 id="sign-title">{t('reports.sign.title')}</h2>
        {key && (
          <p>
            {blocked
              ? t('reports.sign.enrolFirst')
              : usePin
                ? t('reports.sign.explainPin', { subject: key.active!.subject })
                : t('reports.sign.explain')}
          </p>
        )}
        {key && !blocked && (
          <label className="form-row">
            <span>{usePin ? t('reports.sign.pin') : t('reports.sign.password')}</span>
            <input
              type="password"
              name={usePin ? 'sign-pin' : 'sign-password'}
              autoComplete={usePin ? 'off' : 'current-password'}
              autoFocus
              value={secret}
              onChange={(e) => setSecret(e.target.value)}
            />
          </label>
        )}
        <ErrorText error={error} />
        <div className="page-actions">
          <button type="button" className="btn" onClick={onCancel}>
            {t('reports.cancel')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || !secret || blocked}>
            {t('reports.sign.confirm')}
          </button>
        </div>
      </form>
    </div>
  );
}

export function AmendDialog({
  onAmend,
  onCancel,
}: {
  onAmend(reason: string): Promise<void>;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await onAmend(reason);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div className="dialog-backdrop">
      <form
        className="card dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="amend-title"
        onSubmit={(e) => void submit(e)}
      >
        <h2 id="amend-title">{t('reports.amend')}</h2>
        <label className="form-row">
          <span>{t('reports.amend.reason')}</span>
          <textarea
            name="amend-reason"
            rows={3}
            autoFocus
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
        </label>
        <ErrorText error={error} />
        <div className="page-actions">
          <button type="button" className="btn" onClick={onCancel}>
            {t('reports.cancel')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={!reason.trim()}>
            {t('reports.amend.start')}
          </button>
        </div>
      </form>
    </div>
  );
}
