import type { ReactNode } from 'react';
import { useI18n } from './i18n';
import { errorText } from './api';
import type { AsyncState } from './useAsync';

/** Loading / error / content, the same way on every page. */
export function Loadable<T>({ state, children }: { state: AsyncState<T>; children: (data: T) => ReactNode }) {
  const { t, locale } = useI18n();
  if (state.error) {
    return (
      <div className="alert alert-error" role="alert">
        <strong>{t('common.error')}:</strong> {errorText(locale, state.error)}{' '}
        <button className="btn btn-small" onClick={state.reload}>
          {t('common.retry')}
        </button>
      </div>
    );
  }
  if (state.data === undefined)
    return (
      <p className="muted" aria-busy="true">
        {t('common.loading')}
      </p>
    );
  return <>{children(state.data)}</>;
}

export function ErrorText({ error }: { error: unknown }) {
  const { locale } = useI18n();
  if (!error) return null;
  const msg = errorText(locale, error);
  return (
    <p className="alert alert-error" role="alert">
      {msg}
    </p>
  );
}

export function PageHeader({ title, actions }: { title: string; actions?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {actions && <div className="page-actions">{actions}</div>}
    </div>
  );
}
