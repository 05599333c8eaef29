/**
 * What `rounds.bench.ts` runs inside the browser pages, as source text (tsx would otherwise inject helpers, such as
 * __name, that the page lacks): the direct-connection baseline, the hook on the host tile's first presented frame,
 * and a capture of the page's peer connections.
 */

/** Baseline, evaluated in the page as source text (tsx would otherwise inject helpers the page lacks). */
export const P2P_FIRST_FRAME = `(async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480, frameRate: 15 } });
  const t0 = performance.now();
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  for (const t of stream.getTracks()) a.addTrack(t, stream);
  const v = document.createElement('video');
  v.muted = true;
  v.autoplay = true;
  document.body.append(v);
  b.ontrack = (e) => (v.srcObject = e.streams[0] || new MediaStream([e.track]));
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription);
  // When the first frame was handed to the compositor (requestVideoFrameCallback's presentationTime), as below.
  const shown = await new Promise((r) => v.requestVideoFrameCallback((now, m) => r(m.presentationTime)));
  const ms = shown - t0;
  a.close();
  b.close();
  v.remove();
  stream.getTracks().forEach((t) => t.stop());
  return ms;
})()`;

/**
 * The host's tile: when its first frame is handed to the compositor (requestVideoFrameCallback's
 * presentationTime), the moment the doctor sees it, whatever the page's main thread is busy with.
 */
export const firstFrameHook = (hostId: string) => `(() => {
  const hook = () => {
    const v = document.querySelector('[data-testid="tile-${hostId}"] video');
    if (!v || v.__hooked) return;
    v.__hooked = true;
    v.requestVideoFrameCallback((now, m) => (window.__firstFrame = m.presentationTime));
  };
  new MutationObserver(hook).observe(document, { childList: true, subtree: true });
})()`;

/** Every RTCPeerConnection the page creates, in window.__pcs (the inbound stats at the first frame). */
export const CAPTURE_PEER_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Native {
    constructor(c) {
      super(c);
      window.__pcs.push(this);
    }
  };
})()`;
