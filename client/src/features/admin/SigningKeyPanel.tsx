import { useState, type FormEvent } from 'react';
import { REVOCATION_REASON_CODES, type AdminSignerKey, type RevocationReasonCode } from '@consult/shared';
import { post } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { ErrorText } from '../../app/ui';
import { CertificateDetails } from '../security/SigningKeySection';
import './signingKey.messages';

/**
 * A user's active signing key as their administrator sees it (subject, issuer, algorithm, validity, fingerprint),
 * and its revocation on the doctor's behalf — a doctor who left, or lost the device or PIN — with a reason (kept
 * in the audit log) and the reason code the internal CA's CRL carries.
 */
export function SigningKeyPanel({
  k,
  username,
  onRevoked,
  onCancel,
}: {
  k: AdminSignerKey;
  username: string;
  onRevoked(): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [code, setCode] = useState<RevocationReasonCode>('affiliationChanged');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await post(`/api/signers/keys/${k.id}/admin-revoke`, { reason: reason.trim(), reasonCode: code });
      setError(null);
      onRevoked();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="admin-signing-key">
      <h3>{t('admin.signingKey.title', { username })}</h3>
      <CertificateDetails k={k} />
      <form
        className="form-grid"
        onSubmit={(e) => void submit(e)}
        aria-label={t('admin.signingKey.revoke')}
        data-testid="admin-signing-key-revoke"
      >
        <p className="muted">{t('admin.signingKey.explain')}</p>
        <label>
          {t('admin.signingKey.code')}
          <select
            name="reasonCode"
            value={code}
            onChange={(e) => setCode(e.target.value as RevocationReasonCode)}
          >
            {REVOCATION_REASON_CODES.map((c) => (
              <option key={c} value={c}>
                {t(`signingKey.code.${c}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('admin.signingKey.reason')}
          <input
            name="reason"
            value={reason}
            maxLength={500}
            required
            onChange={(e) => setReason(e.target.value)}
          />
        </label>
        <div className="page-actions">
          <button className="btn btn-danger" type="submit" disabled={busy || !reason.trim()}>
            {t('admin.signingKey.confirm')}
          </button>
          <button className="btn" type="button" onClick={onCancel}>
            {t('common.cancel')}
          </button>
          <a className="btn btn-ghost" href="/api/signers/ca/crl" download="signer-ca.crl">
            {t('admin.signingKey.crl')}
          </a>
        </div>
        <ErrorText error={error} />
      </form>
    </div>
  );
}
