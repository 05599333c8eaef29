import { useState } from 'react';
import { markLabel, type Annotation, type ReportKeyImage } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import type { LinkedStudy } from './keyImageData';
import { locate, renderedUrl, shapeOf, type Shape } from './keyImageMarks';

/** A frame rendered by the server with the given marks drawn over it, numbered 1, 2, … in list order. */
export function KeyImageFigure({
  src,
  alt,
  marks,
  lazy = false,
}: {
  src: string;
  alt: string;
  marks: Annotation[];
  lazy?: boolean;
}) {
  const { t } = useI18n();
  const [size, setSize] = useState<{ src: string; w: number; h: number } | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const shown = size?.src === src ? size : null;
  return (
    <div className="key-image-figure">
      <img
        src={src}
        alt={alt}
        loading={lazy ? 'lazy' : 'eager'}
        onLoad={(e) => setSize({ src, w: e.currentTarget.naturalWidth, h: e.currentTarget.naturalHeight })}
        onError={() => setFailed(src)}
      />
      {shown && marks.length > 0 && (
        <svg viewBox={`0 0 ${shown.w} ${shown.h}`} preserveAspectRatio="none" aria-hidden="true">
          {marks.map((m, i) => (
            <MarkShape key={m.id} shape={shapeOf(m)} n={i + 1} size={Math.max(shown.w, shown.h)} />
          ))}
        </svg>
      )}
      {failed === src && <span className="key-image-failed">{t('reports.keyImages.noPicture')}</span>}
    </div>
  );
}

function MarkShape({ shape, n, size }: { shape: Shape | null; n: number; size: number }) {
  if (!shape) return null;
  const line = {
    fill: 'none',
    stroke: 'currentColor',
    strokeWidth: 2,
    vectorEffect: 'non-scaling-stroke',
  } as const;
  const at =
    shape.kind === 'polyline'
      ? shape.points[0]!
      : shape.kind === 'ellipse'
        ? { x: shape.cx, y: shape.cy - shape.ry }
        : shape.kind === 'point'
          ? shape.at
          : shape.from;
  const label = (
    <text x={at.x + size / 60} y={at.y - size / 60} fontSize={size / 18} fill="currentColor">
      {n}
    </text>
  );
  const pts = (p: { x: number; y: number }[]) => p.map((q) => `${q.x},${q.y}`).join(' ');
  return (
    <g className="key-image-mark">
      {shape.kind === 'polyline' &&
        (shape.closed ? (
          <polygon points={pts(shape.points)} {...line} />
        ) : (
          <polyline points={pts(shape.points)} {...line} />
        ))}
      {shape.kind === 'ellipse' && (
        <ellipse cx={shape.cx} cy={shape.cy} rx={shape.rx} ry={shape.ry} {...line} />
      )}
      {shape.kind === 'point' && <circle cx={shape.at.x} cy={shape.at.y} r={size / 80} {...line} />}
      {shape.kind === 'arrow' && (
        <>
          <line x1={shape.from.x} y1={shape.from.y} x2={shape.to.x} y2={shape.to.y} {...line} />
          <circle cx={shape.to.x} cy={shape.to.y} r={size / 120} fill="currentColor" />
        </>
      )}
      {label}
    </g>
  );
}

/** "Length 62.5 mm · Dr. Chen": the tool in the reader's language, its measurement and its author. */
export function useMarkText() {
  const { t, locale } = useI18n();
  return (a: Annotation) => {
    const m = markLabel(a, locale);
    return { what: `${t(`reports.tool.${a.tool}`)}${m ? ` ${m}` : ''}`, author: a.authorName };
  };
}

/** A key image in the editor (caption editable, removable) or in a signed report (read-only). */
export function KeyImageCard({
  k,
  study,
  editable,
}: {
  k: ReportKeyImage;
  /** undefined while loading. */
  study: LinkedStudy | undefined;
  editable?: { disabled: boolean; onCaption(caption: string): void; onRemove(): void };
}) {
  const { t } = useI18n();
  const markText = useMarkText();
  const where = study?.study ? locate(study.study, k.sopInstanceUid) : null;
  const byId = new Map(study?.annotations.map((a) => [a.id.toLowerCase(), a]));
  const found = k.annotationIds.flatMap((id) => byId.get(id.toLowerCase()) ?? []);
  const modality = where?.series.modality ?? '';
  const n = where?.instance.instanceNumber;
  return (
    <figure className="key-image-card" data-sop={k.sopInstanceUid} data-frame={k.frame}>
      {where ? (
        <KeyImageFigure
          src={renderedUrl(k.studyInstanceUid, where.series.seriesInstanceUid, k.sopInstanceUid, k.frame)}
          alt={k.caption || t('reports.keyImages.alt')}
          marks={found}
        />
      ) : (
        <div className="key-image-figure key-image-missing muted">
          {study ? t('reports.keyImages.unavailable') : t('reports.keyImages.loading')}
        </div>
      )}
      <figcaption>
        {editable ? (
          <input
            aria-label={t('reports.field.caption')}
            placeholder={t('reports.field.caption')}
            value={k.caption}
            disabled={editable.disabled}
            maxLength={500}
            onChange={(e) => editable.onCaption(e.target.value)}
          />
        ) : (
          <strong className="key-image-caption">{k.caption || t('reports.keyImages.noCaption')}</strong>
        )}
        <div className="muted small">
          {where &&
            `${where.series.modality} · ${where.series.description || t('reports.picker.series', { n: where.series.seriesNumber ?? '?' })} · `}
          {t('reports.picker.image', { n: n ?? '?' })}
          {where &&
            where.instance.frames > 1 &&
            ` · ${t('reports.picker.frameOf', { n: k.frame, total: where.instance.frames })}`}
        </div>
        {found.length > 0 && (
          <ol className="key-image-marks">
            {found.map((mark) => {
              const text = markText(mark);
              return (
                <li key={mark.id}>
                  <span className="key-image-measure">{text.what}</span>{' '}
                  <span className="muted">· {text.author}</span>
                </li>
              );
            })}
          </ol>
        )}
        {study && found.length < k.annotationIds.length && (
          <p className="muted small">
            {t('reports.keyImages.marksGone', { n: k.annotationIds.length - found.length })}
          </p>
        )}
        {editable && (
          <button
            type="button"
            className="btn btn-small btn-ghost"
            disabled={editable.disabled}
            onClick={editable.onRemove}
          >
            {t('reports.field.remove')}
          </button>
        )}
      </figcaption>
    </figure>
  );
}
