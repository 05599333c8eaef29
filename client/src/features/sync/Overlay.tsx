import { useEffect, useState } from 'react';
import type { SyncAnnotationTarget } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import type { ViewerController } from '../viewer/ViewerController';
import type { SyncView } from './SyncClient';
import type { ViewerBridge } from './ViewerBridge';

/**
 * Drawn over the viewport, in canvas coordinates recomputed on every render of the image: marks others are
 * drawing right now (dashed, author colour and name), author names beside shared marks, the laser pointer.
 */
export function Overlay({
  view,
  ctrl,
  bridge,
}: {
  view: SyncView;
  ctrl: ViewerController;
  bridge: ViewerBridge;
}) {
  const { t } = useI18n();
  const [, setTick] = useState(0);
  useEffect(() => ctrl.onChange(() => setTick((n) => n + 1)), [ctrl]);

  const here = ctrl.getState();
  const series = bridge.series?.seriesInstanceUid;
  const study = bridge.study?.studyInstanceUid;
  if (!here || !series || !study) return null;
  const onScreen = (tg: SyncAnnotationTarget) =>
    tg.studyUid === study && tg.seriesUid === series && tg.imageIndex === here.imageIndex;
  const pts = (points: [number, number][]) =>
    points
      .map(([x, y]) => bridge.toCanvas(x, y))
      .filter((p): p is { x: number; y: number } => !!p)
      .map((p) => `${p.x},${p.y}`)
      .join(' ');
  const first = (points: [number, number][]) =>
    points[0] ? bridge.toCanvas(points[0][0], points[0][1]) : null;
  const me = view.me?.userId;
  const marks = Object.values(view.state?.annotations ?? {}).filter((a) => onScreen(a.target));
  const drafts = Object.values(view.drafts).filter((d) => d.draft && onScreen(d.draft.target));
  const laser =
    view.laser?.point && view.laser.point.imageIndex === here.imageIndex
      ? bridge.toCanvas(view.laser.point.x, view.laser.point.y)
      : null;

  return (
    <svg className="sync-overlay" data-testid="sync-overlay" aria-hidden="true">
      {drafts.map((d) => {
        const p = d.draft!.data.points;
        const at = first(p);
        return (
          <g key={d.id} data-draft={d.id} data-author={d.authorId}>
            <polyline
              points={pts(d.draft!.tool === 'FreehandRoi' ? [...p, p[0]!] : p)}
              fill="none"
              stroke={d.color}
              strokeWidth={2}
              strokeDasharray="6 4"
            />
            {at && (
              <text x={at.x + 6} y={at.y - 6} fill={d.color} className="sync-label">
                {t('sync.drawing', { name: d.authorName })}
              </text>
            )}
          </g>
        );
      })}
      {marks
        .filter((a) => a.authorId !== me)
        .map((a) => {
          const at = first(a.data.points);
          return at ? (
            <text
              key={a.id}
              x={at.x + 6}
              y={at.y + 16}
              fill={a.color}
              className="sync-label"
              data-mark-label={a.id}
            >
              {a.authorName}
            </text>
          ) : null;
        })}
      {laser && (
        <circle
          cx={laser.x}
          cy={laser.y}
          r={7}
          className="sync-laser"
          fill={view.laser!.color}
          data-testid="sync-laser-dot"
        />
      )}
    </svg>
  );
}
