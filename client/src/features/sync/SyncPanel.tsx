import { useEffect, useRef, useState, useSyncExternalStore, type MouseEvent } from 'react';
import type { StudyDetail } from '@consult/shared';
import { useI18n } from '../../app/i18n';
import * as imagingApi from '../imaging/api';
import { imageSeries, stackOf } from '../viewer/imageIds';
import { TOOLS, WL_PRESETS } from '../viewer/tools';
import { markContext } from '../viewer/markTools';
import { useSession } from '../../app/session';
import { ViewerController } from '../viewer/ViewerController';
import { SyncClient } from './SyncClient';
import { ViewerBridge } from './ViewerBridge';
import { Overlay } from './Overlay';
import { PresenterBar, type Participant } from './PresenterBar';
import './messages';
import '../viewer/viewer.css';
import './sync.css';

declare global {
  interface Window {
    /** The open round viewer's sync client and bridge (e2e tests read them). */
    __sync?: { client: SyncClient; bridge: ViewerBridge };
  }
}

const NAV_TOOLS = ['Wwwc', 'Pan', 'Zoom', 'StackScroll'];
const DRAW_TOOLS = ['Length', 'Angle', 'EllipticalRoi', 'RectangleRoi', 'FreehandRoi', 'ArrowAnnotate'];
const TOOL_KEYS: Record<string, string> = {
  Wwwc: 'sync.tool.wwwc',
  Pan: 'sync.tool.pan',
  Zoom: 'sync.tool.zoom',
  StackScroll: 'sync.tool.scroll',
  Length: 'sync.tool.length',
  Angle: 'sync.tool.angle',
  EllipticalRoi: 'sync.tool.ellipse',
  RectangleRoi: 'sync.tool.rectangle',
  FreehandRoi: 'sync.tool.freehand',
  ArrowAnnotate: 'sync.tool.arrow',
};

/** The round's shared viewer: presenter bar, study list and a viewer that follows the presenter. */
export function SyncPanel({ roundId, participants }: { roundId: string; participants: Participant[] }) {
  const [client, setClient] = useState<SyncClient | null>(null);
  useEffect(() => {
    const c = new SyncClient(roundId);
    setClient(c);
    void c.join();
    return () => {
      c.close();
      setClient(null);
    };
  }, [roundId]);
  return client ? <Panel client={client} participants={participants} /> : null;
}

function Panel({ client, participants }: { client: SyncClient; participants: Participant[] }) {
  const { t, locale } = useI18n();
  const { me } = useSession();
  const view = useSyncExternalStore(client.subscribe, client.getView);
  const el = useRef<HTMLDivElement>(null);
  const [pair, setPair] = useState<{ ctrl: ViewerController; bridge: ViewerBridge } | null>(null);
  const [study, setStudy] = useState<StudyDetail | null>(null);
  const [seriesUid, setSeriesUid] = useState<string | null>(null);
  const [tool, setTool] = useState('Wwwc');
  const [laserOn, setLaserOn] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const laserAt = useRef(0);
  const [, setTick] = useState(0);

  // Marks' text in the user's language; others' marks locked (the one annotation model's viewer tools).
  useEffect(() => {
    markContext.lang = locale;
    markContext.me = me?.id ?? null;
    pair?.ctrl.redraw();
  }, [locale, me, pair]);

  useEffect(() => {
    if (!el.current) return;
    const ctrl = new ViewerController(el.current);
    const bridge = new ViewerBridge(client, ctrl);
    bridge.onSeries = setSeriesUid;
    window.__viewer = ctrl;
    window.__sync = { client, bridge };
    setPair({ ctrl, bridge });
    const offChange = ctrl.onChange(() => setTick((n) => n + 1));
    const onResize = () => ctrl.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      offChange();
      bridge.close();
      ctrl.close();
      if (window.__viewer === ctrl) delete window.__viewer;
      if (window.__sync?.bridge === bridge) delete window.__sync;
      setPair(null);
    };
  }, [client]);

  // Load the study everyone has open (by this user's imaging id for it).
  const studyUid = view.state?.studyUid ?? null;
  const entry = view.studies.find((s) => s.studyUid === studyUid) ?? null;
  useEffect(() => {
    if (!pair || !entry?.studyId) {
      setStudy(null);
      return;
    }
    let alive = true;
    setLoadError(null);
    imagingApi
      .getStudy(entry.studyId)
      .then(async (s) => {
        if (!alive) return;
        setStudy(s);
        await pair.bridge.setStudy(s);
      })
      .catch((e: unknown) => alive && setLoadError(e instanceof Error ? e.message : String(e)));
    return () => {
      alive = false;
    };
  }, [pair, entry?.studyId]);

  const presenter = client.isPresenter;
  const canDraw = client.canDraw;
  useEffect(() => {
    // Drawing tools only for those allowed to draw; fall back to window/level otherwise.
    if (pair && !canDraw && DRAW_TOOLS.includes(tool)) {
      pair.ctrl.setActiveTool('Wwwc');
      setTool('Wwwc');
    }
  }, [pair, canDraw, tool]);
  useEffect(() => {
    if (!presenter && laserOn) setLaserOn(false);
  }, [presenter, laserOn]);

  if (view.status === 'revoked' || view.status === 'ended') {
    return (
      <section className="card sync-panel" data-testid="sync-panel" data-status={view.status}>
        <p className="alert" role="status">
          {t(view.status === 'revoked' ? 'sync.revoked' : 'sync.ended')}
        </p>
      </section>
    );
  }

  const pick = (name: string) => {
    pair?.ctrl.setActiveTool(name);
    setTool(name);
  };
  const preset = (id: string) => {
    const p = WL_PRESETS.find((x) => x.id === id);
    if (p) void pair?.ctrl.setState({ windowWidth: p.ww, windowCenter: p.wc });
  };
  const onMove = (e: MouseEvent) => {
    if (!laserOn || !pair || Date.now() - laserAt.current < 33) return;
    laserAt.current = Date.now();
    const p = pair.bridge.toPixel(e.pageX, e.pageY);
    const s = pair.ctrl.getState();
    if (p && s) client.fire('laser', { point: { imageIndex: s.imageIndex, x: p.x, y: p.y } });
  };
  const laserOff = () => laserOn && client.fire('laser', { point: null });
  const series = study ? imageSeries(study) : [];
  const vp = pair?.ctrl.getState();
  const frames =
    study && seriesUid
      ? stackOf(study, series.find((s) => s.seriesInstanceUid === seriesUid) ?? series[0]!).length
      : 0;
  const tools = TOOLS.filter((x) => NAV_TOOLS.includes(x.name) || (canDraw && DRAW_TOOLS.includes(x.name)));

  return (
    <section
      className="card sync-panel"
      data-testid="sync-panel"
      data-status={view.status}
      data-following={view.following}
      data-presenter={presenter}
    >
      <PresenterBar
        client={client}
        view={view}
        participants={participants}
        laserOn={laserOn}
        onLaser={(on) => (on ? setLaserOn(true) : (laserOff(), setLaserOn(false)))}
      />
      {view.error && (
        <p className="alert alert-error" role="alert" data-testid="sync-error">
          {view.error}
        </p>
      )}
      <div className="sync-studies">
        <strong>{t('sync.studies')}</strong>
        {view.studies.length === 0 && <span className="muted">{t('sync.noStudies')}</span>}
        {view.studies.map((s) => (
          <span key={s.studyUid} className="sync-study">
            <span>{s.description || s.studyUid}</span>
            {s.studyUid === studyUid ? (
              <span className="badge">{t('sync.opened')}</span>
            ) : (
              <button
                className="btn btn-small"
                data-testid={`sync-open-${s.studyUid}`}
                disabled={!s.studyId || (!!view.state?.presenter && !presenter && !view.me?.isHost)}
                onClick={() =>
                  client
                    .send('openStudy', { studyUid: s.studyUid, viewport: null })
                    .catch((e: Error) => client.setError(e.message))
                }
              >
                {s.studyId ? t('sync.openForAll') : t('sync.noAccess')}
              </button>
            )}
          </span>
        ))}
      </div>
      <div className="sync-viewer">
        <aside className="sync-series" aria-label={t('sync.series')}>
          {series.map((s) => (
            <button
              key={s.seriesInstanceUid}
              className={`btn btn-small${s.seriesInstanceUid === seriesUid ? ' btn-primary' : ''}`}
              onClick={() => void pair?.bridge.showSeries(s.seriesInstanceUid)}
              disabled={!presenter && view.following && !!view.state?.presenter}
              data-series={s.seriesInstanceUid}
            >
              {s.modality} {s.seriesNumber ?? ''} · {stackOf(study!, s).length}
            </button>
          ))}
        </aside>
        <div className="sync-main">
          <div className="viewer-toolbar sync-toolbar" role="toolbar">
            {tools.map((x) => (
              <button
                key={x.name}
                className={`btn btn-small${tool === x.name ? ' btn-primary' : ''}`}
                aria-pressed={tool === x.name}
                data-tool={x.name}
                onClick={() => pick(x.name)}
              >
                {t(TOOL_KEYS[x.name] ?? x.name)}
              </button>
            ))}
            <span className="viewer-sep" />
            {WL_PRESETS.map((p) => (
              <button key={p.id} className="btn btn-small" data-preset={p.id} onClick={() => preset(p.id)}>
                {t(`sync.preset.${p.id}`)}
              </button>
            ))}
          </div>
          <div
            className={`sync-viewport${laserOn ? ' sync-laser-on' : ''}`}
            onMouseMove={onMove}
            onMouseLeave={laserOff}
            onContextMenu={(e) => e.preventDefault()}
          >
            <div ref={el} className="sync-element" data-testid="sync-viewport" />
            {pair && <Overlay view={view} ctrl={pair.ctrl} bridge={pair.bridge} />}
            {!studyUid && (
              <p className="sync-empty muted">
                {view.status === 'joining' ? t('sync.joining') : t('sync.noStudy')}
              </p>
            )}
            {studyUid && !study && !loadError && (
              <p className="sync-empty muted">
                {entry?.studyId === null ? t('sync.noAccess') : t('sync.loading')}
              </p>
            )}
          </div>
          <div className="viewer-stack">
            <input
              type="range"
              min={1}
              max={Math.max(1, frames)}
              value={(vp?.imageIndex ?? 0) + 1}
              aria-label={t('sync.slice')}
              onChange={(e) => void pair?.ctrl.scrollTo(Number(e.target.value) - 1)}
              disabled={frames < 2}
              data-testid="sync-slice-input"
            />
            <span data-testid="sync-slice-label">
              {frames ? `${(vp?.imageIndex ?? 0) + 1} / ${frames}` : ''}
            </span>
            {view.state?.viewport?.cine.playing && <span className="badge">{t('sync.cine')}</span>}
          </div>
          {loadError && <p className="alert alert-error">{loadError}</p>}
        </div>
      </div>
    </section>
  );
}
