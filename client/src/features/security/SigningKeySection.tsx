import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { MySigningKey, SignerKey } from '@consult/shared';
import { errorText } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { askText } from '../../app/prompt';
import * as api from './signingKeyApi';
import './signingKey.messages';

const ALGORITHMS: Record<string, string> = {
  ed25519: 'Ed25519',
  p256: 'ECDSA P-256 / SHA-256',
  sm2: 'SM2 / SM3',
};

/** One certificate's details (subject, issuer, algorithm, validity, fingerprint). */
export function CertificateDetails({ k }: { k: SignerKey }) {
  const { t, locale } = useI18n();
  const when = (iso: string) => new Date(iso).toLocaleString(locale);
  return (
    <dl className="details" data-testid="signing-cert">
      <dt>{t('signingKey.subject')}</dt>
      <dd data-testid="signing-cert-subject">{k.subject}</dd>
      <dt>{t('signingKey.issuer')}</dt>
      <dd>{k.issuer}</dd>
      <dt>{t('signingKey.algorithm')}</dt>
      <dd>{ALGORITHMS[k.algorithm] ?? k.algorithm}</dd>
      <dt>{t('signingKey.validity')}</dt>
      <dd>
        {when(k.notBefore)} – {when(k.notAfter)}
      </dd>
      <dt>{t('signingKey.source')}</dt>
      <dd>{t(`signingKey.source.${k.source}`)}</dd>
      <dt>{t('signingKey.fingerprint')}</dt>
      <dd className="muted">{k.fingerprint}</dd>
      {k.revokedAt && (
        <>
          <dt>{t('signingKey.revokedAt')}</dt>
          <dd>
            {when(k.revokedAt)} {k.revocationCode && `${t(`signingKey.code.${k.revocationCode}`)} · `}
            {k.revocationReason}
          </dd>
        </>
      )}
    </dl>
  );
}

/**
 * The signer's own signing key: enrol one (a key generated on the server, certified by the internal CA) or import
 * the hospital CA's PKCS#12; both sealed under a signing PIN the server never stores. See the certificate, revoke.
 */
export function SigningKeySection() {
  const { t, locale } = useI18n();
  const [state, setState] = useState<MySigningKey | null>(null);
  const [mode, setMode] = useState<'enrol' | 'import'>('enrol');
  const [pin, setPin] = useState('');
  const [pin2, setPin2] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [p12Password, setP12Password] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => setState(await api.mySigningKey()), []);
  useEffect(() => {
    void load().catch((e: unknown) => setError(errorText(locale, e)));
  }, [load, locale]);

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      setPin('');
      setPin2('');
      setP12Password('');
      await load();
    } catch (e) {
      setError(errorText(locale, e));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (pin !== pin2) return setError(t('signingKey.pinMismatch'));
    void run(async () => {
      if (mode === 'enrol') await api.enrolSigningKey(pin);
      else if (file) await api.importPkcs12(await api.fileBase64(file), p12Password, pin);
    });
  };
  const revoke = (k: SignerKey) =>
    void run(async () => {
      const reason = await askText({ titleKey: 'signingKey.revoke', labelKey: 'signingKey.revokeReason' });
      if (reason?.trim()) await api.revokeSigningKey(k.id, reason.trim());
    });

  if (!state) return error ? <p className="alert alert-error">{error}</p> : null;
  const active = state.active;
  return (
    <div className="card" data-testid="signing-key">
      <h3>{t('signingKey.title')}</h3>
      <p className="muted">
        {t('signingKey.explain', {
          algorithm: ALGORITHMS[state.deploymentAlgorithm] ?? state.deploymentAlgorithm,
        })}
      </p>
      {error && (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      )}
      {active ? (
        <>
          <CertificateDetails k={active} />
          {active.lockedUntil && (
            <p className="alert alert-error">
              {t('signingKey.locked', { until: new Date(active.lockedUntil).toLocaleString(locale) })}
            </p>
          )}
          <div className="page-actions">
            <a
              className="btn btn-ghost"
              download="signer-certificate.pem"
              href={`data:application/x-pem-file;charset=utf-8,${encodeURIComponent(active.certificatePem)}`}
            >
              {t('signingKey.downloadCert')}
            </a>
            <a className="btn btn-ghost" href="/api/signers/ca" target="_blank" rel="noreferrer">
              {t('signingKey.caRoot')}
            </a>
            <button
              className="btn"
              disabled={busy}
              onClick={() => revoke(active)}
              data-testid="signing-key-revoke"
            >
              {t('signingKey.revoke')}
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit} data-testid="signing-key-form">
          <p data-testid="signing-key-none">
            {state.keyRequired ? t('signingKey.noneRequired') : t('signingKey.none')}
          </p>
          <div className="page-actions" role="tablist">
            <button
              type="button"
              className={`btn ${mode === 'enrol' ? 'btn-primary' : ''}`}
              onClick={() => setMode('enrol')}
            >
              {t('signingKey.enrol')}
            </button>
            <button
              type="button"
              className={`btn ${mode === 'import' ? 'btn-primary' : ''}`}
              onClick={() => setMode('import')}
            >
              {t('signingKey.import')}
            </button>
          </div>
          {mode === 'import' && (
            <>
              <label className="form-row">
                <span>{t('signingKey.p12File')}</span>
                <input
                  type="file"
                  name="p12-file"
                  accept=".p12,.pfx,application/x-pkcs12"
                  onChange={(e) => setFile(e.target.files?.[0] ?? null)}
                />
              </label>
              <label className="form-row">
                <span>{t('signingKey.p12Password')}</span>
                <input
                  type="password"
                  name="p12-password"
                  autoComplete="off"
                  value={p12Password}
                  onChange={(e) => setP12Password(e.target.value)}
                />
              </label>
            </>
          )}
          <label className="form-row">
            <span>{t('signingKey.pin')}</span>
            <input
              type="password"
              name="signing-pin"
              autoComplete="new-password"
              minLength={6}
              maxLength={64}
              value={pin}
              onChange={(e) => setPin(e.target.value)}
            />
          </label>
          <label className="form-row">
            <span>{t('signingKey.pinRepeat')}</span>
            <input
              type="password"
              name="signing-pin-repeat"
              autoComplete="new-password"
              value={pin2}
              onChange={(e) => setPin2(e.target.value)}
            />
          </label>
          <p className="muted">{t('signingKey.pinHelp')}</p>
          <button
            type="submit"
            className="btn btn-primary"
            data-testid="signing-key-submit"
            disabled={busy || pin.length < 6 || (mode === 'import' && !file)}
          >
            {mode === 'enrol' ? t('signingKey.enrolConfirm') : t('signingKey.importConfirm')}
          </button>
        </form>
      )}
      {state.history.length > 0 && (
        <details>
          <summary>{t('signingKey.history', { n: state.history.length })}</summary>
          {state.history.map((k) => (
            <CertificateDetails key={k.id} k={k} />
          ))}
        </details>
      )}
    </div>
  );
}
