/**
 * The mediasoup device a join receives with. Loading one needs the router's RTP capabilities, which a server
 * keeps as long as its codec configuration: the ones an earlier join answered are remembered (localStorage),
 * so the next join loads its device while the socket connects and sends `ready` right behind `join` (the
 * server runs a socket's joins and readies in order). The join's answer says whether they still hold; when they
 * do not (the server's codecs changed), the join is redone with the new ones.
 */
import { Device, type types } from 'mediasoup-client';

const KEY = 'consult:round:routerRtpCapabilities';

export interface LoadedDevice {
  device: Device;
  /** The router capabilities it was loaded with, as JSON (compared with a join's answer). */
  caps: string;
}

export async function loadDevice(routerRtpCapabilities: unknown): Promise<LoadedDevice> {
  const device = new Device();
  await device.load({ routerRtpCapabilities: routerRtpCapabilities as types.RtpCapabilities });
  return { device, caps: JSON.stringify(routerRtpCapabilities) };
}

/** A device loaded with the capabilities an earlier join answered, or null (none, or unusable). */
export async function rememberedDevice(): Promise<LoadedDevice | null> {
  let caps: string | null = null;
  try {
    caps = localStorage.getItem(KEY);
  } catch {
    return null; // storage blocked: every join asks first
  }
  if (!caps) return null;
  try {
    return await loadDevice(JSON.parse(caps));
  } catch {
    forget();
    return null;
  }
}

/** Whether `loaded` was loaded with exactly these router capabilities. */
export const loadedWith = (loaded: LoadedDevice, routerRtpCapabilities: unknown): boolean =>
  loaded.caps === JSON.stringify(routerRtpCapabilities);

/** What `ready` sends: what this device receives, and the layer the room's video consumers start at. */
export const readyData = (device: Device, spatialLayer: number) => ({
  rtpCapabilities: device.recvRtpCapabilities as unknown as Record<string, unknown>,
  consume: true,
  spatialLayer,
});

export function remember(loaded: LoadedDevice): void {
  try {
    localStorage.setItem(KEY, loaded.caps);
  } catch {
    // storage full or blocked: the next join asks first, as the first one did
  }
}

function forget(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // as above
  }
}
