import { useState, type FormEvent } from 'react';
import { useI18n } from '../../app/i18n';
import { ErrorText } from '../../app/ui';

/** Sign with the password (re-authentication at the moment of signing). */
export function SignDialog({
  onSign,
  onCancel,
}: {
  onSign(password: string): Promise<void>;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSign(password);
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
        <p>{t('reports.sign.explain')}</p>
        <label className="form-row">
          <span>{t('reports.sign.password')}</span>
          <input
            type="password"
            name="sign-password"
            autoComplete="current-password"
            autoFocus
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <ErrorText error={error} />
        <div className="page-actions">
          <button type="button" className="btn" onClick={onCancel}>
            {t('reports.cancel')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || !password}>
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
