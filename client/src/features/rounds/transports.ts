/**
 * A mediasoup-client transport for the server's WebRTC transport `info`, wired to the round's signalling: DTLS
 * parameters on connect, producers on produce. Connection-state changes go to `onState` (the room restarts ICE
 * or rejoins from there).
 */
import type { Device, types } from 'mediasoup-client';
import type { MediaSource, TransportInfo } from '@consult/shared';
import { mark, type Request } from './signalling';

export async function openTransport(o: {
  device: Device;
  direction: 'send' | 'recv';
  /** The server's transport, when the join created it already; else it is asked for here. */
  info?: TransportInfo;
  iceServers: RTCIceServer[];
  request: Request;
  onState: (t: types.Transport, s: types.ConnectionState) => void;
}): Promise<types.Transport> {
  const { request } = o;
  const info = o.info ?? (await request('createTransport', { direction: o.direction }));
  const opts = {
    id: info.id,
    iceParameters: info.iceParameters as unknown as types.IceParameters,
    iceCandidates: info.iceCandidates as unknown as types.IceCandidate[],
    dtlsParameters: info.dtlsParameters as unknown as types.DtlsParameters,
    iceServers: o.iceServers,
  };
  const t = o.direction === 'send' ? o.device.createSendTransport(opts) : o.device.createRecvTransport(opts);
  t.on('connect', ({ dtlsParameters }, ok, fail) => {
    mark(`${o.direction}-connect-sent`);
    request('connectTransport', {
      transportId: t.id,
      dtlsParameters: dtlsParameters as unknown as Record<string, unknown>,
    }).then(() => (mark(`${o.direction}-connect-ok`), ok()), fail);
  });
  t.on('produce', ({ kind, rtpParameters, appData }, ok, fail) => {
    request('produce', {
      transportId: t.id,
      kind,
      rtpParameters: rtpParameters as unknown as Record<string, unknown>,
      source: appData.source as MediaSource,
    }).then(({ producerId }) => ok({ id: producerId }), fail);
  });
  t.on('connectionstatechange', (s) => o.onState(t, s));
  return t;
}

/** A join's send and receive transports (each asked for here if the join did not bring it). */
export const openTransports = (
  made: { send: TransportInfo; recv: TransportInfo } | undefined,
  o: Omit<Parameters<typeof openTransport>[0], 'direction' | 'info'>,
): Promise<[types.Transport, types.Transport]> =>
  Promise.all([
    openTransport({ ...o, direction: 'send', info: made?.send }),
    openTransport({ ...o, direction: 'recv', info: made?.recv }),
  ]);
