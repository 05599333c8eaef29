import { useRef, useState } from 'react';
import type { UploadResult } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { useMe } from '../../app/session';
import { ErrorText } from '../../app/ui';
import { setUploadCsrf, uploadFile } from '../imaging/api';
import '../imaging/messages';
import './images.messages';

const CONCURRENCY = 3;

export interface UploadOutcome {
  /** Study Instance UIDs the files were stored in (or already were), in first-seen order. */
  studyUids: string[];
  results: UploadResult[];
}

/**
 * Pick the patient's images (files or a whole folder) and send them through the imaging upload API, with ONE
 * progress bar over all bytes of the batch and a line saying what was stored and what was refused (and why).
 * `onDone` gets the studies the batch landed in; the caller links them to its request.
 */
export function ImageUpload({
  disabled,
  onBusy,
  onDone,
}: {
  disabled?: boolean;
  onBusy?(busy: boolean): void;
  onDone(outcome: UploadOutcome): void | Promise<void>;
}) {
  const { t } = useI18n();
  const me = useMe();
  const files = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
  const [total, setTotal] = useState(0);
  const [loaded, setLoaded] = useState(0);
  const [count, setCount] = useState({ done: 0, all: 0 });
  const [results, setResults] = useState<UploadResult[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const start = async (list: File[]) => {
    if (!list.length) return;
    setUploadCsrf(me.csrfToken);
    setBusy(true);
    onBusy?.(true);
    const perFile = list.map(() => 0);
    const sum = list.reduce((s, f) => s + f.size, 0);
    setTotal(sum);
    setLoaded(0);
    setCount({ done: 0, all: list.length });
    setResults([]);
    setError(null);
    const out: UploadResult[] = new Array<UploadResult>(list.length);
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < list.length) {
        const k = next++;
        const f = list[k]!;
        const r = await uploadFile(f, (bytes) => {
          perFile[k] = bytes;
          setLoaded(perFile.reduce((s, b) => s + b, 0));
        });
        perFile[k] = f.size;
        out[k] = r;
        setLoaded(perFile.reduce((s, b) => s + b, 0));
        setCount({ done: ++done, all: list.length });
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, list.length) }, worker));
    setResults(out);
    const studyUids = [
      ...new Set(
        out
          .filter((r) => r.status === 'stored' || r.status === 'already_stored')
          .map((r) => r.studyInstanceUid)
          .filter((u): u is string => !!u),
      ),
    ];
    try {
      await onDone({ studyUids, results: out });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      onBusy?.(false);
      if (files.current) files.current.value = '';
      if (folder.current) folder.current.value = '';
    }
  };

  const counts = { stored: 0, already_stored: 0, conflict: 0, rejected: 0 };
  for (const r of results) counts[r.status]++;
  const refused = results.filter((r) => r.status === 'rejected' || r.status === 'conflict');
  const pct = total ? Math.round((loaded / total) * 100) : 0;

  return (
    <div className="case-images-upload" data-testid="request-images">
      <div className="form-row">
        <button
          className="btn"
          type="button"
          disabled={disabled || busy}
          onClick={() => files.current?.click()}
        >
          {t('imaging.upload.pickFiles')}
        </button>
        <button
          className="btn"
          type="button"
          disabled={disabled || busy}
          onClick={() => folder.current?.click()}
        >
          {t('imaging.upload.pickFolder')}
        </button>
        <input
          ref={files}
          type="file"
          multiple
          hidden
          data-testid="request-image-files"
          onChange={(e) => void start([...(e.target.files ?? [])])}
        />
        <input
          ref={folder}
          type="file"
          hidden
          data-testid="request-image-folder"
          {...{ webkitdirectory: '', directory: '' }}
          onChange={(e) => void start([...(e.target.files ?? [])])}
        />
      </div>
      {count.all > 0 && (
        <label className="upload-batch">
          {t('caseImages.progress', { done: count.done, total: count.all, pct })}
          <progress
            max={total || 1}
            value={loaded}
            data-testid="request-images-progress"
            data-percent={pct}
            aria-valuetext={`${pct}%`}
          />
        </label>
      )}
      {results.length > 0 && (
        <p data-testid="request-images-summary">
          {t('imaging.upload.summary', {
            stored: counts.stored,
            already: counts.already_stored,
            rejected: counts.rejected + counts.conflict,
          })}
        </p>
      )}
      {refused.length > 0 && (
        <ul className="plain-list upload-refused">
          {refused.slice(0, 10).map((r, i) => (
            <li key={i} className="upload-reason">
              {t(`imaging.status.${r.status}`)}: {r.reason}
            </li>
          ))}
          {refused.length > 10 && <li className="muted">… +{refused.length - 10}</li>}
        </ul>
      )}
      <ErrorText error={error} />
    </div>
  );
}
