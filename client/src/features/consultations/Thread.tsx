import { useCallback, useState, type FormEvent } from 'react';
import type { Attachment, Message } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { useMe } from '../../app/session';
import { useSocketEvent } from '../../app/socket';
import { useAsync } from '../../app/useAsync';
import { ErrorText, Loadable } from '../../app/ui';
import { listMessages, postMessage, uploadAttachment } from './api';

export const attachmentUrl = (a: Attachment) => `/api/consultations/${a.consultationId}/attachments/${a.id}`;

/** The discussion of one consultation: both hospitals' users on the case; new messages arrive live. */
export function Thread({ consultationId, canPost }: { consultationId: string; canPost: boolean }) {
  const { t, dt } = useI18n();
  const me = useMe();
  const state = useAsync(() => listMessages(consultationId), [consultationId]);
  const [extra, setExtra] = useState<Message[]>([]);
  const [text, setText] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const onMessage = useCallback(
    (m: Message) => {
      if (m.consultationId === consultationId)
        setExtra((xs) => (xs.some((x) => x.id === m.id) ? xs : [...xs, m]));
    },
    [consultationId],
  );
  useSocketEvent('consultation:message', onMessage);

  const send = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const ids = file ? [(await uploadAttachment(consultationId, file)).id] : [];
      const m = await postMessage(consultationId, text, ids);
      onMessage(m);
      setText('');
      setFile(null);
      setError(null);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card">
      <h2>{t('consult.detail.thread')}</h2>
      <Loadable state={state}>
        {(loaded) => {
          const all = [...loaded, ...extra.filter((m) => !loaded.some((l) => l.id === m.id))];
          return (
            <div className="thread" data-testid="thread" aria-live="polite">
              {all.length === 0 && <p className="muted">{t('consult.thread.empty')}</p>}
              {all.map((m) => (
                <div key={m.id} className={m.author.id === me.id ? 'msg mine' : 'msg'} data-testid="message">
                  <div className="meta">
                    {m.author.displayName} · {t(`role.${m.authorRole}`)} · {dt(m.createdAt)}
                  </div>
                  <p>{m.body}</p>
                  {m.attachments.map((a) => (
                    <div key={a.id}>
                      <span className="muted">{t('consult.detail.attachments')}:</span>{' '}
                      <a href={attachmentUrl(a)} target="_blank" rel="noreferrer">
                        {a.fileName}
                      </a>
                    </div>
                  ))}
                </div>
              ))}
            </div>
          );
        }}
      </Loadable>
      {canPost && (
        <form onSubmit={(e) => void send(e)} className="form-row" data-testid="message-form">
          <textarea
            name="message"
            rows={2}
            style={{ flex: 1, minWidth: 240 }}
            placeholder={t('consult.thread.placeholder')}
            value={text}
            onChange={(e) => setText(e.target.value)}
            required
            maxLength={8000}
          />
          <label className="muted">
            {t('consult.thread.attach')}
            <input
              type="file"
              accept="application/pdf,image/jpeg"
              onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            />
          </label>
          <button
            className="btn btn-primary"
            type="submit"
            disabled={busy || !text.trim()}
            data-testid="message-send"
          >
            {t('consult.thread.send')}
          </button>
        </form>
      )}
      <ErrorText error={error} />
    </div>
  );
}
