import { useEffect, useRef, useState } from 'react';
import { cornerstone, initCornerstone, loadImage } from './cornerstone';

/** A small rendering of a series' first image. */
export function SeriesThumb({ imageId }: { imageId: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    initCornerstone();
    cornerstone.enable(el);
    let alive = true;
    loadImage(imageId)
      .then((img) => alive && cornerstone.displayImage(el, img))
      .catch(() => alive && setFailed(true));
    return () => {
      alive = false;
      cornerstone.disable(el);
    };
  }, [imageId]);
  return <div className={`viewer-thumb${failed ? ' viewer-thumb-failed' : ''}`} ref={ref} />;
}
