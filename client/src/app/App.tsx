import { useState } from 'react';
import { BrowserRouter, Navigate, NavLink, Route, Routes } from 'react-router';
import { I18nProvider, useI18n } from './i18n';
import { SessionProvider, useSession } from './session';
import { FEATURES } from './features';
import { LoginPage } from '../features/auth/LoginPage';
import { PromptHost } from './prompt';
import { MfaEnrolPage } from '../features/security/MfaEnrolPage';

function Shell() {
  const { me, loading, logout, allowed, changeLocale } = useSession();
  const { t, locale } = useI18n();
  // Signing out first waits for the user's last changes to be answered; the button says so meanwhile.
  const [signingOut, setSigningOut] = useState(false);
  if (loading) return <p className="muted center-page">{t('common.loading')}</p>;
  if (!me) return <LoginPage />;
  if (me.mfa.enrolmentPending) return <MfaEnrolPage />;
  const nav = FEATURES.flatMap((f) => f.nav)
    .filter((n) => !n.permission || allowed(n.permission))
    .sort((a, b) => a.order - b.order);
  const routes = FEATURES.flatMap((f) => f.routes).filter((r) => !r.permission || allowed(r.permission));
  const hospitalName = me.hospital
    ? locale === 'zh-CN'
      ? me.hospital.nameZh
      : me.hospital.nameEn
    : t(`role.${me.role}`);
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        {t('app.skip')}
      </a>
      <PromptHost />
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ✚
          </span>
          <span>{t('app.title')}</span>
        </div>
        <div className="topbar-right">
          <span className="who" data-testid="current-hospital">
            {hospitalName}
          </span>
          <span className="who-name" data-testid="current-user">
            {me.displayName} · {t(`role.${me.role}`)}
          </span>
          <span id="topbar-slot" />
          <button
            className="btn btn-ghost"
            onClick={() => void changeLocale(locale === 'zh-CN' ? 'en' : 'zh-CN')}
            data-testid="locale-switch"
          >
            {t('locale.switch')}
          </button>
          <button
            className="btn btn-ghost"
            disabled={signingOut}
            aria-busy={signingOut}
            onClick={() => {
              setSigningOut(true);
              void logout().finally(() => setSigningOut(false));
            }}
            data-testid="logout"
          >
            {t(signingOut ? 'nav.signingOut' : 'nav.logout')}
          </button>
        </div>
      </header>
      <nav className="sidebar" aria-label="main">
        {nav.map((n) => (
          <NavLink
            key={n.path}
            to={n.path}
            end={n.path === '/'}
            className={({ isActive }) => (isActive ? 'nav-item active' : 'nav-item')}
          >
            {t(n.labelKey)}
          </NavLink>
        ))}
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <Routes>
          {routes.map((r) => (
            <Route key={r.path} path={r.path} element={r.element} />
          ))}
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </main>
    </div>
  );
}

export function App() {
  return (
    <I18nProvider>
      <BrowserRouter>
        <SessionProvider>
          <Shell />
        </SessionProvider>
      </BrowserRouter>
    </I18nProvider>
  );
}
