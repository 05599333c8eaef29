import { useRef, useState, type DragEvent } from 'react';
import { Link } from 'react-router';
import type { UploadResult } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { holdPage } from '../../app/leave-guard';
import { useMe } from '../../app/session';
import { PageHeader } from '../../app/ui';
import { setUploadCsrf, uploadFile } from './api';

interface Item {
  name: string;
  size: number;
  loaded: number;
  result: UploadResult | null;
}

/** Files of a drop, folders walked recursively (webkitGetAsEntry). */
async function droppedFiles(e: DragEvent): Promise<File[]> {
  const out: File[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const f = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push(new File([f], prefix + f.name, { type: f.type }));
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const c of batch) await walk(c, `${prefix}${entry.name}/`);
      }
    }
  };
  const entries = [...e.dataTransfer.items]
    .map((i) => i.webkitGetAsEntry())
    .filter((x): x is FileSystemEntry => !!x);
  if (entries.length) for (const en of entries) await walk(en, '');
  else out.push(...e.dataTransfer.files);
  return out;
}

const CONCURRENCY = 3;

export function UploadPage() {
  const { t } = useI18n();
  const me = useMe();
  const [items, setItems] = useState<Item[]>([]);
  const [busy, setBusy] = useState(false);
  const [over, setOver] = useState(false);
  const files = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);

  const start = async (list: File[]) => {
    if (!list.length) return;
    setUploadCsrf(me.csrfToken);
    const base = items.length;
    setItems((prev) => [
      ...prev,
      ...list.map((f) => ({ name: f.webkitRelativePath || f.name, size: f.size, loaded: 0, result: null })),
    ]);
    setBusy(true);
    // Leaving the page would stop the files not yet sent: the browser asks first (moving within the app does not).
    const release = holdPage();
    let next = 0;
    const worker = async () => {
      while (next < list.length) {
        const k = next++;
        const f = list[k]!;
        const result = await uploadFile(f, (loaded) =>
          setItems((prev) => prev.map((it, i) => (i === base + k ? { ...it, loaded } : it))),
        );
        setItems((prev) => prev.map((it, i) => (i === base + k ? { ...it, loaded: it.size, result } : it)));
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, list.length) }, worker));
    } finally {
      release();
      setBusy(false);
    }
  };

  const total = items.reduce((s, i) => s + i.size, 0);
  const loaded = items.reduce((s, i) => s + i.loaded, 0);
  const counts = { stored: 0, already_stored: 0, conflict: 0, rejected: 0 };
  for (const i of items) if (i.result) counts[i.result.status]++;
  const studyIds = [...new Set(items.map((i) => i.result?.studyId).filter((x): x is string => !!x))];

  return (
    <div>
      <PageHeader
        title={t('imaging.upload.title')}
        actions={
          <Link className="btn" to="/imaging">
            {t('imaging.studies')}
          </Link>
        }
      />
      <div
        className={`upload-drop${over ? ' over' : ''}`}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          void droppedFiles(e).then(start);
        }}
      >
        <p>{t('imaging.upload.drop')}</p>
        <button className="btn" type="button" onClick={() => files.current?.click()} disabled={busy}>
          {t('imaging.upload.pickFiles')}
        </button>{' '}
        <button className="btn" type="button" onClick={() => folder.current?.click()} disabled={busy}>
          {t('imaging.upload.pickFolder')}
        </button>
        <input
          ref={files}
          type="file"
          multiple
          hidden
          data-testid="file-input"
          onChange={(e) => void start([...(e.target.files ?? [])])}
        />
        <input
          ref={folder}
          type="file"
          hidden
          data-testid="folder-input"
          {...{ webkitdirectory: '', directory: '' }}
          onChange={(e) => void start([...(e.target.files ?? [])])}
        />
      </div>
      {items.length > 0 && (
        <div className="card">
          <label className="upload-batch">
            {t('imaging.upload.batch', { done: items.filter((i) => i.result).length, total: items.length })}
            <progress max={total || 1} value={loaded} data-testid="batch-progress" />
          </label>
          <p data-testid="upload-summary">
            {t('imaging.upload.summary', {
              stored: counts.stored,
              already: counts.already_stored,
              rejected: counts.rejected + counts.conflict,
            })}
            {!busy &&
              studyIds.map((id) => (
                <Link
                  key={id}
                  className="btn btn-small"
                  to={`/imaging/studies/${id}`}
                  data-testid="open-study"
                >
                  {t('imaging.open')}
                </Link>
              ))}
          </p>
          <table className="table upload-table">
            <thead>
              <tr>
                <th>{t('imaging.upload.file')}</th>
                <th>{t('imaging.upload.progress')}</th>
                <th>{t('imaging.upload.result')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i, k) => (
                <tr key={k} data-status={i.result?.status ?? 'pending'}>
                  <td>{i.name}</td>
                  <td>
                    <progress max={i.size || 1} value={i.loaded} />
                  </td>
                  <td>
                    {i.result ? (
                      <span className={`badge upload-${i.result.status}`}>
                        {t(`imaging.status.${i.result.status}`)}
                      </span>
                    ) : (
                      <span className="muted">{t('imaging.status.pending')}</span>
                    )}{' '}
                    {i.result?.reason && <span className="upload-reason">{i.result.reason}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
