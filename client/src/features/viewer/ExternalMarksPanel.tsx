import { useEffect, useMemo, useState } from 'react';
import type { SrMark } from '@consult/shared';
import { get } from '../../app/api';
import { useI18n } from '../../app/i18n';
import type { ImageRef } from './AnnotationSync';
import { SR_MARK_COLOR, SrMarksLayer } from './srLayer';
import { externalReports, originText, valueText } from './srMarks';
import type { ViewerController } from './ViewerController';
import './srMarks.messages';

/**
 * "Marks from other systems" / "外部系统标注": the measurement reports (DICOM SR) in the study that another system
 * made, listed by author and date with their marks, drawn read-only on their images (srLayer.ts) and toggled here.
 * Shown only when the study holds such a report.
 */
export function ExternalMarksPanel(props: {
  studyId: string;
  ctrl: ViewerController | null;
  refs: readonly ImageRef[];
  stack: readonly ImageRef[];
}) {
  const { ctrl, refs, stack, studyId } = props;
  const { t } = useI18n();
  const [marks, setMarks] = useState<SrMark[]>([]);
  const [shown, setShown] = useState(true);
  const [layer, setLayer] = useState<SrMarksLayer | null>(null);
  const groups = useMemo(() => externalReports(marks, refs), [marks, refs]);

  useEffect(() => {
    let alive = true;
    get<SrMark[]>(`/api/imaging/studies/${studyId}/sr-marks`)
      .then((m) => alive && setMarks(m))
      .catch(() => alive && setMarks([]));
    return () => {
      alive = false;
    };
  }, [studyId]);

  useEffect(() => {
    if (!ctrl) return;
    const l = new SrMarksLayer(ctrl.element);
    window.__srMarks = l;
    setLayer(l);
    return () => {
      l.close();
      if (window.__srMarks === l) delete window.__srMarks;
      setLayer(null);
    };
  }, [ctrl]);

  useEffect(() => layer?.setReports(groups, t('viewer.sr.unknownAuthor')), [layer, groups, t]);
  useEffect(() => layer?.setVisible(shown), [layer, shown]);

  if (groups.length === 0) return null;
  return (
    <section className="viewer-sr" data-testid="sr-marks-panel">
      <h3>
        <span className="viewer-sr-swatch" style={{ borderColor: SR_MARK_COLOR }} aria-hidden />
        {t('viewer.sr.title')}
        <label className="viewer-sr-toggle">
          <input
            type="checkbox"
            checked={shown}
            data-testid="sr-marks-toggle"
            onChange={(e) => setShown(e.target.checked)}
          />{' '}
          {t('viewer.sr.show')}
        </label>
      </h3>
      <p className="muted">{t('viewer.sr.readOnly')}</p>
      {groups.map((g) => (
        <div key={g.srSopInstanceUid} data-sr={g.srSopInstanceUid}>
          <strong data-testid="sr-origin">{originText(g.marks[0]!, t('viewer.sr.unknownAuthor'))}</strong>
          <ul>
            {g.marks.map((m, i) => {
              const at = stack.findIndex((r) => r.imageId === m.imageId);
              return (
                <li key={i} data-testid="sr-mark">
                  <span>{valueText(m)}</span>
                  <small>
                    {m.imageId === null
                      ? t('viewer.sr.notInStudy')
                      : at >= 0
                        ? t('viewer.onSlice', { n: at + 1 })
                        : t('viewer.otherSeries')}
                  </small>
                  {at >= 0 && (
                    <button className="btn btn-small" onClick={() => void ctrl?.scrollTo(at)}>
                      {t('viewer.goTo')}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        </div>
      ))}
    </section>
  );
}
