import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import type { Annotation, SeriesSummary, StudyDetail } from '@consult/shared';
import { markLabel, Permission } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import { useSession } from '../../app/session';
import { markContext } from './markTools';
import { useAsync } from '../../app/useAsync';
import { ErrorText, Loadable, PageHeader } from '../../app/ui';
import * as api from '../imaging/api';
import { AnnotationSync } from './AnnotationSync';
import { CasePanel } from './CasePanel';
import { ExternalMarksPanel } from './ExternalMarksPanel';
import { COMMANDS, HOTKEYS, type CommandName } from './commands';
import { cornerstone } from './cornerstone';
import { imageSeries, stackOf } from './imageIds';
import { SeriesThumb } from './SeriesThumb';
import { TOOLS, WL_PRESETS } from './tools';
import { ViewerController, type ViewportState } from './ViewerController';
import './viewer.css';
// Test hook (window.__renderFile) for tests/e2e/imaging-ts.test.ts.
import './testHook';

declare global {
  interface Window {
    /** The viewer controller of the open study (e2e tests and rounds read it). */
    __viewer?: ViewerController;
    __viewerSync?: AnnotationSync;
  }
}

export function ViewerPage() {
  const { id = '' } = useParams();
  const [params] = useSearchParams();
  const consultationId = params.get('consultation');
  const { t } = useI18n();
  const state = useAsync(() => api.getStudy(id), [id]);
  return (
    <Loadable state={state}>
      {(study) => (
        <div className="viewer-page">
          <PageHeader
            title={`${study.patientName || t('viewer.noName')} · ${study.description || study.studyInstanceUid}`}
            actions={
              <Link className="btn" to={consultationId ? `/consultations/${consultationId}` : '/imaging'}>
                {consultationId ? t('caseImages.backToCase') : t('viewer.back')}
              </Link>
            }
          />
          <div className={consultationId ? 'viewer-with-case' : undefined}>
            {imageSeries(study).length === 0 ? (
              <p className="muted">{t('viewer.noImages')}</p>
            ) : (
              <Viewer study={study} />
            )}
            {consultationId && <CasePanel consultationId={consultationId} studyId={study.id} />}
          </div>
        </div>
      )}
    </Loadable>
  );
}

function Viewer({ study }: { study: StudyDetail }) {
  const { t, locale } = useI18n();
  const { me, allowed } = useSession();
  const series = useMemo(() => imageSeries(study), [study]);
  const [current, setCurrent] = useState<SeriesSummary>(series[0]!);
  const stack = useMemo(() => stackOf(study, current), [study, current]);
  const allRefs = useMemo(() => series.flatMap((s) => stackOf(study, s)), [study, series]);
  const el = useRef<HTMLDivElement>(null);
  const [ctrl, setCtrl] = useState<ViewerController | null>(null);
  const [vp, setVp] = useState<ViewportState | null>(null);
  const [tool, setTool] = useState('Wwwc');
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [count, setCount] = useState(0);
  const [meta, setMeta] = useState<MetaRow[]>([]);
  const [cine, setCine] = useState(false);
  const [anns, setAnns] = useState<Annotation[]>([]);

  // One controller (and annotation sync) per mounted viewer.
  useEffect(() => {
    if (!el.current || !me) return;
    markContext.me = me.id;
    const c = new ViewerController(el.current);
    const sync = new AnnotationSync(c, study.id, me.id, allRefs);
    sync.onError = (m) => setNote(m === 'conflict' ? t('viewer.conflict') : m);
    sync.onChange = setCount;
    sync.onList = setAnns;
    window.__viewer = c;
    window.__viewerSync = sync;
    const off = c.onChange((s) => setVp(s));
    const offCine = c.onCine(setCine);
    setCtrl(c);
    const onResize = () => c.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      off();
      offCine();
      setCine(false);
      sync.close();
      c.close();
      if (window.__viewer === c) delete window.__viewer;
      if (window.__viewerSync === sync) delete window.__viewerSync;
      setCtrl(null);
    };
  }, [study.id, me, allRefs, t]);

  // Marks' canvas text is written in the user's language.
  useEffect(() => {
    markContext.lang = locale;
    ctrl?.redraw();
  }, [locale, ctrl]);

  useEffect(() => {
    if (!ctrl) return;
    let alive = true;
    setError(null);
    ctrl
      .loadStack(
        stack.map((r) => r.imageId),
        Math.floor(0),
      )
      .then(() => window.__viewerSync?.load())
      .catch((e: unknown) => alive && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      alive = false;
    };
  }, [ctrl, stack]);

  // Metadata panel for the image on screen.
  useEffect(() => {
    const imageId = stack[vp?.imageIndex ?? 0]?.imageId;
    if (!imageId || !vp) return;
    const plane = cornerstone.metaData.get('imagePlaneModule', imageId) as
      | {
          sliceLocation?: number;
          sliceThickness?: number;
          rows?: number;
          columns?: number;
          pixelSpacing?: number[];
        }
      | undefined;
    const gen = cornerstone.metaData.get('generalSeriesModule', imageId) as
      { modality?: string; seriesNumber?: number } | undefined;
    const sop = cornerstone.metaData.get('sopCommonModule', imageId) as
      { sopInstanceUID?: string } | undefined;
    const ref = stack[vp.imageIndex];
    // Frames of this instance (a multi-frame instance is one stack entry per frame).
    const framesOf = stack.filter((r) => r.sopInstanceUid === ref?.sopInstanceUid).length;
    const rows: [string, string][] = [
      ['patient', study.patientId ? `${study.patientName} (${study.patientId})` : study.patientName],
      ['studyDate', study.studyDate],
      ['modality', gen?.modality || current.modality],
      ['series', `${current.seriesNumber ?? ''} ${current.description}`],
      ['instance', sop?.sopInstanceUID || ref?.sopInstanceUid || ''],
      ...(ref && framesOf > 1 ? [['frame', `${ref.frame + 1} / ${framesOf}`] as [string, string]] : []),
      ['size', plane?.rows ? `${plane.columns} × ${plane.rows}` : ''],
      ['spacing', plane?.pixelSpacing ? plane.pixelSpacing.map((x) => x.toFixed(3)).join(' × ') : ''],
      ['slice', plane?.sliceLocation !== undefined ? String(plane.sliceLocation) : ''],
      ['wl', `${Math.round(vp.windowWidth)} / ${Math.round(vp.windowCenter)}`],
      ['zoom', `${vp.scale.toFixed(2)}×`],
    ];
    setMeta(rows.map(([id, value]) => ({ id, value })));
  }, [vp, stack, study, current]);

  const run = useCallback(
    (name: CommandName, opts?: { preset?: string }) => ctrl && void COMMANDS[name](ctrl, opts),
    [ctrl],
  );
  const pickTool = (name: string) => {
    ctrl?.setActiveTool(name);
    setTool(name);
  };
  const onKey = (e: KeyboardEvent) => {
    const hk = HOTKEYS[e.key];
    if (hk) {
      e.preventDefault();
      run(hk[0], hk[1]);
      return;
    }
    const td = TOOLS.find((x) => x.hotkey === e.key);
    if (td) pickTool(td.name);
  };
  const exportSr = async () => {
    setNote(null);
    await window.__viewerSync?.flush();
    try {
      const r = await api.exportSr(study.id);
      setNote(t('viewer.srDone', { n: r.measurements }));
    } catch (e) {
      setNote(e instanceof Error ? e.message : String(e));
    }
  };
  const canAnnotate = allowed(Permission.AnnotationsWrite);
  const frames = stack.length;
  const index = vp?.imageIndex ?? 0;

  return (
    <div className="viewer">
      <aside className="viewer-series" aria-label={t('viewer.series')}>
        {series.map((s) => (
          <button
            key={s.seriesInstanceUid}
            className={`viewer-series-item${s === current ? ' active' : ''}`}
            onClick={() => setCurrent(s)}
            data-series={s.seriesInstanceUid}
          >
            <SeriesThumb imageId={stackOf(study, s)[0]!.imageId} />
            <span>
              {s.modality} {s.seriesNumber ?? ''} · {t('viewer.images', { n: stackOf(study, s).length })}
            </span>
            <small>{s.description}</small>
          </button>
        ))}
      </aside>
      <section className="viewer-main">
        <div className="viewer-toolbar" role="toolbar">
          {TOOLS.filter((x) => canAnnotate || !x.annotation).map((x) => (
            <button
              key={x.name}
              className={`btn btn-small${tool === x.name ? ' btn-primary' : ''}`}
              aria-pressed={tool === x.name}
              data-tool={x.name}
              onClick={() => pickTool(x.name)}
              title={x.hotkey ? `${t(x.labelKey)} (${x.hotkey})` : t(x.labelKey)}
            >
              {t(x.labelKey)}
            </button>
          ))}
          <span className="viewer-sep" />
          {WL_PRESETS.map((p) => (
            <button
              key={p.id}
              className="btn btn-small"
              data-preset={p.id}
              onClick={() => run('preset', { preset: p.id })}
            >
              {t(p.labelKey)}
            </button>
          ))}
          <span className="viewer-sep" />
          {(['invert', 'rotateCw', 'rotateCcw', 'flipH', 'flipV', 'reset'] as const).map((c) => (
            <button key={c} className="btn btn-small" data-command={c} onClick={() => run(c)}>
              {t(`viewer.cmd.${c}`)}
            </button>
          ))}
          {frames > 1 && (
            <button
              className="btn btn-small"
              data-command="toggleCine"
              aria-pressed={cine}
              onClick={() => run('toggleCine')}
            >
              {cine ? t('viewer.cmd.stop') : t('viewer.cmd.cine')}
            </button>
          )}
          {canAnnotate && (
            <button className="btn btn-small" onClick={() => void exportSr()} disabled={count === 0}>
              {t('viewer.exportSr')}
            </button>
          )}
        </div>
        <div
          className="viewer-viewport"
          tabIndex={0}
          onKeyDown={onKey}
          onContextMenu={(e) => e.preventDefault()}
        >
          <div ref={el} className="viewer-element" data-testid="viewport" />
        </div>
        <div className="viewer-stack">
          <input
            type="range"
            min={1}
            max={Math.max(1, frames)}
            value={index + 1}
            aria-label={t('viewer.slice')}
            onChange={(e) => void ctrl?.scrollTo(Number(e.target.value) - 1)}
            disabled={frames < 2}
          />
          <span data-testid="slice-label">
            {index + 1} / {frames}
          </span>
          <span className="muted">{t('viewer.annotations', { n: count })}</span>
        </div>
        <ErrorText error={error} />
        {note && <p className="alert">{note}</p>}
      </section>
      <aside className="viewer-meta" aria-label={t('viewer.metadata')}>
        <h3>{t('viewer.metadata')}</h3>
        <dl>
          {meta.map((m) => (
            <div key={m.id} data-meta={m.id}>
              <dt>{t(`viewer.meta.${m.id}`)}</dt>
              <dd>{m.value}</dd>
            </div>
          ))}
        </dl>
        <ExternalMarksPanel studyId={study.id} ctrl={ctrl} refs={allRefs} stack={stack} />
        <h3>{t('viewer.annotationList')}</h3>
        {anns.length === 0 ? (
          <p className="muted">{t('viewer.noAnnotations')}</p>
        ) : (
          <ul className="viewer-annotations" data-testid="annotation-list">
            {anns.map((a) => {
              const at = stack.findIndex((r) => r.sopInstanceUid === a.sopInstanceUid && r.frame === a.frame);
              const value = markLabel(a, locale);
              return (
                <li key={a.id}>
                  <span>
                    {t(TOOLS.find((x) => x.name === a.tool)?.labelKey ?? a.tool)}
                    {value && ` ${value}`}
                  </span>
                  <small>
                    {a.authorName} · {at >= 0 ? t('viewer.onSlice', { n: at + 1 }) : t('viewer.otherSeries')}
                  </small>
                  <span>
                    {at >= 0 && (
                      <button className="btn btn-small" onClick={() => void ctrl?.scrollTo(at)}>
                        {t('viewer.goTo')}
                      </button>
                    )}
                    {a.authorId === me?.id && (
                      <button
                        className="btn btn-small"
                        data-action="delete-annotation"
                        onClick={() => void window.__viewerSync?.remove(a.id)}
                      >
                        {t('viewer.delete')}
                      </button>
                    )}
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      </aside>
    </div>
  );
}

/** One line of the metadata panel: `viewer.meta.<id>` names it. */
interface MetaRow {
  id: string;
  value: string;
}
