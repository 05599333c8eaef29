import { useEffect, useState, type FormEvent } from 'react';
import type { InstanceSummary, ReportKeyImage, SeriesSummary } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { ErrorText } from '../../app/ui';
import { KeyImageFigure, useMarkText } from './KeyImageCard';
import { useKeyImageStudies, type LinkedStudy } from './keyImageData';
import { imageInstances, imageSeries, marksOn, renderedUrl } from './keyImageMarks';

const instanceLabel = (i: InstanceSummary, index: number) => i.instanceNumber ?? index + 1;

/**
 * "Add key image": the studies linked to the consultation, each series' images as server-rendered thumbnails;
 * pick an image (and a frame of a multi-frame one), tick the marks drawn on it, write a caption, Add.
 */
export function KeyImagePicker({
  consultationId,
  onAdd,
  onCancel,
}: {
  consultationId: string;
  onAdd(k: ReportKeyImage, study: LinkedStudy): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const markText = useMarkText();
  // Mounted when opened: the annotations are fresh each time.
  const { data, error } = useKeyImageStudies(consultationId, [], true);
  const [studyUid, setStudyUid] = useState<string | null>(null);
  const [seriesUid, setSeriesUid] = useState<string | null>(null);
  const [sop, setSop] = useState<string | null>(null);
  const [frame, setFrame] = useState(1);
  // Every mark on the frame is ticked by default; the doctor unticks the ones to leave out.
  const [unticked, setUnticked] = useState<string[]>([]);
  const [caption, setCaption] = useState('');

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onCancel();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onCancel]);

  const studies = (data?.linked ?? []).map((uid) => data!.byUid.get(uid)!).filter(Boolean);
  const current = studies.find((s) => s.uid === studyUid) ?? studies.find((s) => s.study) ?? null;
  const seriesList = current?.study ? imageSeries(current.study) : [];
  const series = seriesList.find((s) => s.seriesInstanceUid === seriesUid) ?? seriesList[0] ?? null;
  const images = series ? imageInstances(series) : [];
  const instance = images.find((i) => i.sopInstanceUid === sop) ?? null;
  const annotations = current?.annotations ?? [];
  const onFrame = instance ? marksOn(annotations, instance.sopInstanceUid, frame) : [];
  const ticked = onFrame.filter((a) => !unticked.includes(a.id));
  const modality = series?.modality ?? '';

  const pickSeries = (s: SeriesSummary) => {
    setSeriesUid(s.seriesInstanceUid);
    setSop(null);
  };
  const pickImage = (i: InstanceSummary) => {
    setSop(i.sopInstanceUid);
    setFrame(1);
    setUnticked([]);
  };
  const pickFrame = (n: number) => {
    if (!instance) return;
    setFrame(Math.min(instance.frames, Math.max(1, Math.round(n) || 1)));
    setUnticked([]);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!current?.study || !instance) return;
    onAdd(
      {
        studyInstanceUid: current.uid,
        sopInstanceUid: instance.sopInstanceUid,
        frame,
        annotationIds: ticked.map((a) => a.id),
        caption: caption.trim(),
      },
      current,
    );
  };
  // Frames of the chosen instance that carry marks (1-based), for multi-frame instances.
  const markedFrames = instance
    ? [
        ...new Set(
          annotations.filter((a) => a.sopInstanceUid === instance.sopInstanceUid).map((a) => a.frame + 1),
        ),
      ].sort((a, b) => a - b)
    : [];

  return (
    <div className="dialog-backdrop">
      <form
        className="card dialog key-image-picker"
        role="dialog"
        aria-modal="true"
        aria-labelledby="key-image-picker-title"
        data-testid="key-image-picker"
        onSubmit={submit}
      >
        <h2 id="key-image-picker-title">{t('reports.keyImages.add')}</h2>
        <ErrorText error={error} />
        {!data && !error && <p className="muted">{t('reports.keyImages.loading')}</p>}
        {data && studies.length === 0 && <p className="muted">{t('reports.picker.noStudies')}</p>}
        {studies.length > 1 && (
          <div className="picker-choices" role="group" aria-label={t('reports.picker.study')}>
            {studies.map((s) => (
              <button
                key={s.uid}
                type="button"
                className="btn btn-small"
                aria-pressed={s.uid === current?.uid}
                disabled={!s.study}
                onClick={() => {
                  setStudyUid(s.uid);
                  setSeriesUid(null);
                  setSop(null);
                }}
              >
                {s.study
                  ? `${s.study.description || s.study.modalities.join('/') || s.uid} ${s.study.studyDate}`
                  : `${s.uid} (${t('reports.keyImages.unavailable')})`}
              </button>
            ))}
          </div>
        )}
        {current && !current.study && (
          <p className="alert alert-error">{t('reports.keyImages.unavailable')}</p>
        )}
        {seriesList.length > 1 && (
          <div className="picker-choices" role="group" aria-label={t('reports.picker.seriesList')}>
            {seriesList.map((s) => (
              <button
                key={s.seriesInstanceUid}
                type="button"
                className="btn btn-small"
                aria-pressed={s.seriesInstanceUid === series?.seriesInstanceUid}
                onClick={() => pickSeries(s)}
              >
                {s.modality} · {s.description || t('reports.picker.series', { n: s.seriesNumber ?? '?' })} (
                {t('reports.picker.images', { n: imageInstances(s).length })})
              </button>
            ))}
          </div>
        )}
        {current?.study && seriesList.length === 0 && <p className="muted">{t('reports.picker.noImages')}</p>}
        {series && current?.study && (
          <ul className="picker-thumbs" aria-label={t('reports.picker.imagesOf')}>
            {images.map((i, idx) => {
              const marks = annotations.filter((a) => a.sopInstanceUid === i.sopInstanceUid).length;
              const label = t('reports.picker.image', { n: instanceLabel(i, idx) });
              return (
                <li key={i.sopInstanceUid}>
                  <button
                    type="button"
                    className="picker-thumb"
                    data-sop={i.sopInstanceUid}
                    aria-pressed={i.sopInstanceUid === sop}
                    aria-label={label}
                    onClick={() => pickImage(i)}
                  >
                    <KeyImageFigure
                      src={renderedUrl(current.uid, series.seriesInstanceUid, i.sopInstanceUid, 1)}
                      alt=""
                      marks={[]}
                      lazy
                    />
                    <span className="picker-thumb-label">
                      {instanceLabel(i, idx)}
                      {i.frames > 1 && ` · ${t('reports.picker.frames', { n: i.frames })}`}
                      {marks > 0 && <span className="badge">{t('reports.picker.marks', { n: marks })}</span>}
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        )}
        {instance && series && current && (
          <div className="picker-chosen">
            <KeyImageFigure
              src={renderedUrl(current.uid, series.seriesInstanceUid, instance.sopInstanceUid, frame)}
              alt={t('reports.keyImages.alt')}
              marks={ticked}
            />
            <div className="picker-details">
              <p>
                <strong>
                  {t('reports.picker.image', { n: instanceLabel(instance, images.indexOf(instance)) })}
                </strong>
              </p>
              {instance.frames > 1 && (
                <div className="form-row">
                  <label>
                    {t('reports.picker.frameOf', { n: frame, total: instance.frames })}{' '}
                    <input
                      type="range"
                      name="key-image-frame"
                      min={1}
                      max={instance.frames}
                      value={frame}
                      onChange={(e) => pickFrame(Number(e.target.value))}
                    />
                  </label>
                  {markedFrames.length > 0 && (
                    <span className="muted small">
                      {t('reports.picker.markedFrames')}{' '}
                      {markedFrames.map((n) => (
                        <button
                          key={n}
                          type="button"
                          className="link"
                          aria-label={t('reports.picker.goFrame', { n })}
                          aria-current={n === frame}
                          onClick={() => pickFrame(n)}
                        >
                          {n}
                        </button>
                      ))}
                    </span>
                  )}
                </div>
              )}
              <fieldset className="picker-marks">
                <legend>{t('reports.picker.marksOnFrame')}</legend>
                {onFrame.length === 0 && <p className="muted">{t('reports.picker.noMarks')}</p>}
                {onFrame.map((a) => {
                  const text = markText(a);
                  return (
                    <label key={a.id} className="form-row inline">
                      <input
                        type="checkbox"
                        value={a.id}
                        checked={!unticked.includes(a.id)}
                        onChange={(e) =>
                          setUnticked((u) => (e.target.checked ? u.filter((x) => x !== a.id) : [...u, a.id]))
                        }
                      />{' '}
                      {text.what} <span className="muted">· {text.author}</span>
                    </label>
                  );
                })}
              </fieldset>
              <label className="form-row">
                <span>{t('reports.field.caption')}</span>
                <input
                  name="key-image-caption"
                  value={caption}
                  maxLength={500}
                  onChange={(e) => setCaption(e.target.value)}
                />
              </label>
            </div>
          </div>
        )}
        <div className="page-actions">
          <button type="button" className="btn" onClick={onCancel}>
            {t('reports.cancel')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={!instance}>
            {t('reports.picker.add')}
          </button>
        </div>
      </form>
    </div>
  );
}
