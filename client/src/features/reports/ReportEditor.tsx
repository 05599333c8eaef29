import { useCallback, useEffect, useRef, useState } from 'react';
import type { Report, ReportContent, ReportKeyImage } from '@consult/shared';
import { ApiError } from '../../app/api';
import { useI18n } from '../../app/i18n';
import { ErrorText } from '../../app/ui';
import { Icd10Picker } from './Icd10Picker';
import { KeyImageCard } from './KeyImageCard';
import { KeyImagePicker } from './KeyImagePicker';
import { getReportOf, saveDraft } from './api';
import { useKeyImageStudies } from './keyImageData';

type SaveState =
  | { kind: 'saved'; at: string }
  | { kind: 'dirty' }
  | { kind: 'saving' }
  | { kind: 'conflict'; message: string }
  | { kind: 'error'; message: string };

const AUTOSAVE_MS = 1200;
/** ReportContent allows 30 key images. */
const MAX_KEY_IMAGES = 30;

/** The draft editor: every change autosaves after a pause; a stale revision shows the server's conflict message. */
export function ReportEditor({
  report,
  onSaved,
  onReload,
  onSettled,
}: {
  report: Report;
  onSaved(r: Report): void;
  onReload(): void;
  /** True when everything typed is saved (signing is allowed only then). */
  onSettled(settled: boolean): void;
}) {
  const { t, dt } = useI18n();
  const draft = report.draft!;
  const [content, setContent] = useState<ReportContent>(draft.content);
  const [state, setState] = useState<SaveState>({ kind: 'saved', at: draft.updatedAt });
  const revision = useRef(draft.revision);
  const pending = useRef<ReportContent | null>(null);
  const inFlight = useRef(false);
  const [picking, setPicking] = useState(false);
  const closePicker = useCallback(() => setPicking(false), []);
  const imaging = useKeyImageStudies(
    report.consultationId,
    content.keyImages.map((k) => k.studyInstanceUid),
  );

  const flush = useCallback(async () => {
    if (inFlight.current || !pending.current) return;
    const toSave = pending.current;
    pending.current = null;
    inFlight.current = true;
    setState({ kind: 'saving' });
    try {
      const r = await saveDraft(report.id, toSave, revision.current);
      revision.current = r.draft?.revision ?? revision.current;
      setState(
        pending.current
          ? { kind: 'dirty' }
          : { kind: 'saved', at: r.draft?.updatedAt ?? new Date().toISOString() },
      );
      onSaved(r);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        // Who changed it, and when, read from the stored draft (in the user's language, not the server's).
        const fresh = await getReportOf(report.consultationId).catch(() => null);
        setState({
          kind: 'conflict',
          message: fresh?.draft
            ? t('reports.autosave.changedBy', {
                name: fresh.draft.updatedByName,
                time: dt(fresh.draft.updatedAt),
              })
            : e.message,
        });
      } else setState({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
    } finally {
      inFlight.current = false;
    }
  }, [report.id, report.consultationId, onSaved, t, dt]);

  useEffect(() => onSettled(state.kind === 'saved'), [state.kind, onSettled]);
  useEffect(() => {
    if (state.kind !== 'dirty') return;
    const timer = setTimeout(() => void flush(), AUTOSAVE_MS);
    return () => clearTimeout(timer);
  }, [state, content, flush]);

  const change = (next: ReportContent) => {
    setContent(next);
    pending.current = next;
    if (state.kind !== 'conflict') setState({ kind: 'dirty' });
  };
  const rec = content.recommendations;
  const setRec = (patch: Partial<ReportContent['recommendations']>) =>
    change({ ...content, recommendations: { ...rec, ...patch } });
  const setKey = (i: number, patch: Partial<ReportKeyImage>) =>
    change({ ...content, keyImages: content.keyImages.map((k, j) => (j === i ? { ...k, ...patch } : k)) });
  const locked = state.kind === 'conflict';

  return (
    <div className="report-editor">
      <div className="autosave" aria-live="polite" data-state={state.kind}>
        {state.kind === 'saved' && t('reports.autosave.saved', { time: dt(state.at) })}
        {state.kind === 'saving' && t('reports.autosave.saving')}
        {state.kind === 'dirty' && t('reports.autosave.dirty')}
        {state.kind === 'error' && <span className="text-warn">{state.message}</span>}
      </div>
      {state.kind === 'conflict' && (
        <div className="alert alert-error autosave-conflict" role="alert">
          <strong>{t('reports.autosave.conflict')}:</strong> {state.message}{' '}
          <button type="button" className="btn btn-small" onClick={onReload}>
            {t('reports.autosave.reload')}
          </button>
        </div>
      )}
      {draft.amendmentReason && (
        <p className="alert">{t('reports.amendment.reason', { reason: draft.amendmentReason })}</p>
      )}
      <label className="form-row">
        <span>{t('reports.field.findings')}</span>
        <textarea
          name="findings"
          rows={6}
          value={content.findings}
          disabled={locked}
          onChange={(e) => change({ ...content, findings: e.target.value })}
        />
      </label>
      <label className="form-row">
        <span>{t('reports.field.impression')}</span>
        <textarea
          name="impression"
          rows={4}
          value={content.impression}
          disabled={locked}
          onChange={(e) => change({ ...content, impression: e.target.value })}
        />
      </label>
      <div className="form-row">
        <span>{t('reports.field.diagnoses')}</span>
        <Icd10Picker
          value={content.diagnoses}
          disabled={locked}
          onChange={(diagnoses) => change({ ...content, diagnoses })}
        />
      </div>
      <label className="form-row">
        <span>{t('reports.field.treatmentPlan')}</span>
        <textarea
          name="treatmentPlan"
          rows={4}
          value={rec.treatmentPlan}
          disabled={locked}
          onChange={(e) => setRec({ treatmentPlan: e.target.value })}
        />
      </label>
      <label className="form-row inline">
        <input
          type="checkbox"
          name="referral"
          checked={rec.referral}
          disabled={locked}
          onChange={(e) => setRec({ referral: e.target.checked })}
        />{' '}
        {t('reports.field.referral')}
      </label>
      {rec.referral && (
        <label className="form-row">
          <span>{t('reports.field.referralNote')}</span>
          <input
            name="referralNote"
            value={rec.referralNote}
            disabled={locked}
            onChange={(e) => setRec({ referralNote: e.target.value })}
          />
        </label>
      )}
      <label className="form-row">
        <span>{t('reports.field.followUp')}</span>
        <input
          name="followUpIntervalDays"
          type="number"
          min={1}
          max={3650}
          value={rec.followUpIntervalDays ?? ''}
          disabled={locked}
          onChange={(e) =>
            setRec({
              followUpIntervalDays: e.target.value
                ? Math.max(1, Math.min(3650, Number(e.target.value)))
                : null,
            })
          }
        />
      </label>
      <fieldset className="key-images">
        <legend>{t('reports.field.keyImages')}</legend>
        <ErrorText error={imaging.error} />
        {content.keyImages.length === 0 && <p className="muted">{t('reports.keyImages.none')}</p>}
        <div className="key-image-grid">
          {content.keyImages.map((k, i) => (
            <KeyImageCard
              key={`${k.sopInstanceUid}-${k.frame}-${i}`}
              k={k}
              study={imaging.data?.byUid.get(k.studyInstanceUid)}
              editable={{
                disabled: locked,
                onCaption: (caption) => setKey(i, { caption }),
                onRemove: () =>
                  change({ ...content, keyImages: content.keyImages.filter((_, j) => j !== i) }),
              }}
            />
          ))}
        </div>
        <button
          type="button"
          className="btn btn-small"
          data-testid="key-image-add"
          disabled={locked || content.keyImages.length >= MAX_KEY_IMAGES}
          onClick={() => setPicking(true)}
        >
          {t('reports.keyImages.add')}
        </button>
      </fieldset>
      {picking && (
        <KeyImagePicker
          consultationId={report.consultationId}
          onCancel={closePicker}
          onAdd={(k, study) => {
            imaging.put(study);
            change({ ...content, keyImages: [...content.keyImages, k] });
            setPicking(false);
          }}
        />
      )}
    </div>
  );
}
