import type { IceServer } from '@consult/shared';
import type { Config } from '../config';
import { turnCredentials } from '../sfu/turn';

/** The TURN relays for one user: a credential of their own that expires (TURN_SECRET), or the static one. */
export function iceServers(config: Config, userId: string): IceServer[] {
  const c = config.sfu;
  if (!c.turnUrls.length) return [];
  if (c.turnSecret) return [{ urls: c.turnUrls, ...turnCredentials(c.turnSecret, userId, c.turnTtlSeconds) }];
  return [{ urls: c.turnUrls, username: c.turnUsername!, credential: c.turnCredential! }];
}
