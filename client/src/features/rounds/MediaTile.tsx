import { useEffect, useRef } from 'react';

/** A <video> bound to one track; reports its rendered width so the SFU sends the layer that fits. */
export function VideoTile(props: {
  track: MediaStreamTrack | null;
  label: string;
  sublabel?: string;
  speaking?: boolean;
  mirror?: boolean;
  badge?: string | undefined;
  framesDecoded?: number;
  large?: boolean;
  testId?: string;
  onWidth?: (px: number) => void;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  const { track, onWidth } = props;
  useEffect(() => {
    const v = ref.current;
    if (!v) return;
    v.srcObject = track ? new MediaStream([track]) : null;
    if (track) void v.play().catch(() => undefined);
  }, [track]);
  useEffect(() => {
    const v = ref.current;
    if (!v || !onWidth) return;
    const ro = new ResizeObserver(
      ([e]) => e && onWidth(Math.round(e.contentRect.width * (window.devicePixelRatio || 1))),
    );
    ro.observe(v);
    return () => ro.disconnect();
  }, [onWidth]);
  return (
    <figure
      className={`rounds-tile${props.speaking ? ' speaking' : ''}${props.large ? ' large' : ''}`}
      data-testid={props.testId}
      data-frames-decoded={props.framesDecoded ?? 0}
    >
      <video ref={ref} autoPlay playsInline muted className={props.mirror ? 'mirror' : undefined} />
      {!track && (
        <div className="rounds-tile-placeholder" aria-hidden="true">
          {props.label.slice(0, 1)}
        </div>
      )}
      <figcaption>
        <strong>{props.label}</strong>
        {props.sublabel && <span> · {props.sublabel}</span>}
        {props.badge && <span className="badge">{props.badge}</span>}
      </figcaption>
    </figure>
  );
}

export function AudioSink({ track }: { track: MediaStreamTrack }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    ref.current.srcObject = new MediaStream([track]);
    void ref.current.play().catch(() => undefined);
  }, [track]);
  return <audio ref={ref} autoPlay />;
}
