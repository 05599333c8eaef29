import { useEffect, useState } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import type { Notification } from '@consult/shared';
import { hasMessage, I18nProvider, useI18n } from '../../app/i18n';
import { hrefOf, markRead, onArrival, resetInbox, useInbox } from './store';
import './inbox.css';
import './messages';

/** Navigate the single-page app from outside its React tree (the bell has its own root). */
export function go(href: string) {
  window.history.pushState({}, '', href);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** Who or what a notification is about: the patient, else the round's title. */
export const subjectOf = (n: Notification): string | null => {
  const s = n.data.patientName ?? n.data.roundTitle;
  return typeof s === 'string' && s ? s : null;
};

export function NotificationText({ n, time = true }: { n: Notification; time?: boolean }) {
  const { t, dt, locale } = useI18n();
  const subject = subjectOf(n);
  const stateKey = `consult.state.${String(n.data.state)}`;
  // A generic state change says which state it moved to.
  const action =
    n.kind === 'consultation.state_changed' && hasMessage(locale, stateKey)
      ? t('inbox.kind.stateTo', { action: t(`inbox.kind.${n.kind}`), state: t(stateKey) })
      : t(`inbox.kind.${n.kind}`);
  return (
    <>
      {subject && <strong className="notification-subject">{subject}</strong>}
      {subject && ' · '}
      <span>{action}</span>
      {n.kind === 'round.invited' && typeof n.data.scheduledAt === 'string' && (
        <span> · {dt(n.data.scheduledAt)}</span>
      )}
      {time && <span className="muted"> · {dt(n.createdAt)}</span>}
    </>
  );
}

/** A live notification shown for a few seconds under the bell; a click opens its object and marks it read. */
function Toasts({ open }: { open(n: Notification): void }) {
  const { t } = useI18n();
  const [shown, setShown] = useState<Notification[]>([]);
  useEffect(
    () =>
      onArrival((n) => {
        setShown((s) => [n, ...s].slice(0, 3));
        setTimeout(() => setShown((s) => s.filter((x) => x.id !== n.id)), 8000);
      }),
    [],
  );
  if (shown.length === 0) return null;
  return (
    <div className="toasts" role="status" aria-live="polite">
      {shown.map((n) => (
        <div key={n.id} className="toast" data-testid="toast">
          <button
            className="link"
            onClick={() => {
              setShown((s) => s.filter((x) => x.id !== n.id));
              open(n);
            }}
          >
            <NotificationText n={n} time={false} />
          </button>
          <button
            className="btn btn-ghost btn-small"
            aria-label={t('inbox.toast.close')}
            onClick={() => setShown((s) => s.filter((x) => x.id !== n.id))}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

function Bell() {
  const { t } = useI18n();
  const { items, unread } = useInbox();
  const [open, setOpen] = useState(false);
  const openItem = (n: Notification) => {
    setOpen(false);
    if (!n.readAt) void markRead([n.id]).catch(() => undefined);
    go(hrefOf(n));
  };
  return (
    <div className="bell">
      <Toasts open={openItem} />
      <button
        className="btn btn-ghost bell-button"
        aria-label={t('inbox.bell')}
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        data-testid="inbox-bell"
      >
        <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" fill="currentColor">
          <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z" />
        </svg>
        {unread > 0 && (
          <span className="bell-count" data-testid="inbox-unread">
            {unread}
          </span>
        )}
      </button>
      {open && (
        <div className="bell-panel" role="dialog" aria-label={t('inbox.title')}>
          <div className="bell-head">
            <strong>{t('inbox.unread', { n: unread })}</strong>
            <button className="link" onClick={() => void markRead('all')}>
              {t('inbox.markAll')}
            </button>
          </div>
          {items.length === 0 && <p className="muted">{t('inbox.empty')}</p>}
          <ul className="plain-list">
            {items.slice(0, 12).map((n) => (
              <li key={n.id} className={n.readAt ? 'read' : 'unread'}>
                <button className="link bell-item" onClick={() => openItem(n)}>
                  <NotificationText n={n} />
                </button>
              </li>
            ))}
          </ul>
          <button
            className="link"
            onClick={() => {
              setOpen(false);
              go('/inbox');
            }}
          >
            {t('inbox.showAll')}
          </button>
        </div>
      )}
    </div>
  );
}

/**
 * Mount the bell into the shell's `#topbar-slot` whenever it appears (signed in) and unmount when it goes (signed
 * out). It has its own React root; it follows the UI language through `<html lang>`.
 */
export function installBell(): void {
  if (typeof document === 'undefined') return;
  let root: Root | null = null;
  let host: Element | null = null;
  const render = () =>
    root?.render(
      <I18nProvider key={document.documentElement.lang}>
        <Bell />
      </I18nProvider>,
    );
  const check = () => {
    const slot = document.getElementById('topbar-slot');
    if (slot && slot !== host) {
      root?.unmount();
      host = slot;
      root = createRoot(slot);
      render();
    } else if (!slot && root) {
      root.unmount();
      root = null;
      host = null;
      resetInbox();
    }
  };
  new MutationObserver(check).observe(document.body, { childList: true, subtree: true });
  new MutationObserver(render).observe(document.documentElement, {
    attributes: true,
    attributeFilter: ['lang'],
  });
  check();
}
