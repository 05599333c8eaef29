import { useEffect, useState, type FormEvent } from 'react';
import { useI18n } from './i18n';

/**
 * The in-app replacement of window.prompt (no browser dialogs anywhere: they are English, block the page and
 * cannot be styled). `askText` can be called from non-React code (the viewer's annotation tools); the one
 * <PromptHost/> in the shell shows the question and resolves with the text, or null when cancelled.
 */
export interface TextQuestion {
  /** i18n key of the title. */
  titleKey: string;
  /** Placeholders of the title. */
  vars?: Record<string, string | number>;
  /** i18n key of the input's label. */
  labelKey: string;
  initial?: string;
  /** 'password' hides what is typed. */
  type?: 'text' | 'password';
  minLength?: number;
}

interface Pending extends TextQuestion {
  resolve(v: string | null): void;
}

let show: ((p: Pending | null) => void) | null = null;
const queue: Pending[] = [];

export function askText(q: TextQuestion): Promise<string | null> {
  return new Promise((resolve) => {
    queue.push({ ...q, resolve });
    if (queue.length === 1) show?.(queue[0]!);
  });
}

function answer(v: string | null) {
  queue.shift()?.resolve(v);
  show?.(queue[0] ?? null);
}

export function PromptHost() {
  const { t } = useI18n();
  const [q, setQ] = useState<Pending | null>(null);
  const [value, setValue] = useState('');
  useEffect(() => {
    show = (p) => {
      setValue(p?.initial ?? '');
      setQ(p);
    };
    if (queue[0]) show(queue[0]);
    return () => {
      show = null;
    };
  }, []);
  if (!q) return null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    answer(value);
  };
  return (
    <div className="dialog-backdrop" onKeyDown={(e) => e.key === 'Escape' && answer(null)}>
      <form
        className="card dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="prompt-title"
        onSubmit={submit}
        data-testid="text-prompt"
      >
        <h2 id="prompt-title">{t(q.titleKey, q.vars)}</h2>
        <label className="form-row">
          <span>{t(q.labelKey)}</span>
          <input
            name="prompt-value"
            type={q.type ?? 'text'}
            autoFocus
            autoComplete={q.type === 'password' ? 'new-password' : 'off'}
            minLength={q.minLength}
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        </label>
        <div className="page-actions">
          <button type="button" className="btn" onClick={() => answer(null)}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={!value.trim()}>
            {t('common.ok')}
          </button>
        </div>
      </form>
    </div>
  );
}
