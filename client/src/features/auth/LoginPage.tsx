import { useState, type FormEvent } from 'react';
import { useI18n } from '../../app/i18n';
import { useSession } from '../../app/session';
import { ApiError } from '../../app/api';
import '../security/messages';

export function LoginPage() {
  const { t, locale, setLocale } = useI18n();
  const { login } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  /** The server asked for the second factor after a right password. */
  const [needCode, setNeedCode] = useState(false);
  const [code, setCode] = useState('');
  const [remember, setRemember] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(
        username.trim(),
        password,
        needCode ? { code: code.trim().toLowerCase(), rememberDevice: remember } : undefined,
      );
    } catch (err) {
      if (err instanceof ApiError && err.body.code === 'mfa_required') {
        setNeedCode(true);
        return;
      }
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login-page">
      <form className="card login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <div className="login-brand">
          <span className="brand-mark" aria-hidden="true">
            ✚
          </span>
          <div>
            <h1 id="login-title">{t('app.title')}</h1>
            <p className="muted">{t('app.subtitle')}</p>
          </div>
        </div>
        <label>
          {t('login.username')}
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            required
            autoFocus
          />
        </label>
        <label>
          {t('login.password')}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {needCode && (
          <>
            <p className="muted">{t('login.codeHelp')}</p>
            <label>
              {t('login.code')}
              <input
                name="code"
                inputMode="numeric"
                autoComplete="one-time-code"
                value={code}
                onChange={(e) => setCode(e.target.value)}
                required
                autoFocus
                data-testid="login-code"
              />
            </label>
            <label className="checkbox">
              <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
              {t('login.remember')}
            </label>
          </>
        )}
        {error && (
          <p className="alert alert-error" role="alert" data-testid="login-error">
            {t('login.failed')}: {error}
          </p>
        )}
        <button className="btn btn-primary" type="submit" disabled={busy} data-testid="login-submit">
          {needCode ? t('login.verify') : t('login.submit')}
        </button>
        <button
          type="button"
          className="btn btn-ghost"
          onClick={() => setLocale(locale === 'zh-CN' ? 'en' : 'zh-CN')}
        >
          {t('locale.switch')}
        </button>
      </form>
    </div>
  );
}
