import { useI18n } from '../../app/i18n';
import { PromptHost } from '../../app/prompt';
import { useSession } from '../../app/session';
import { MfaEnrol } from './MfaEnrol';
import './messages';

/** The whole screen of a session that must enrol a second factor before anything else. */
export function MfaEnrolPage() {
  const { t } = useI18n();
  const { refresh, logout } = useSession();
  return (
    <div className="login-page">
      <PromptHost />
      <div className="card login-card" data-testid="mfa-enrol-page">
        <h1>{t('security.mfa')}</h1>
        <p className="alert">{t('security.mfaRequired')}</p>
        <MfaEnrol onDone={() => void refresh()} />
        <button className="btn btn-ghost" onClick={() => void logout()} data-testid="logout">
          {t('nav.logout')}
        </button>
      </div>
    </div>
  );
}
