import crypto from 'node:crypto';

/**
 * Time-limited TURN credentials of coturn's REST API (`use-auth-secret` + `static-auth-secret`): the username is
 * `<expiry unix seconds>:<userId>`, the credential base64(HMAC-SHA1(secret, username)). coturn recomputes the HMAC
 * and refuses the username once its expiry has passed, so a leaked credential works for one user, for a while.
 */
export function turnCredentials(
  secret: string,
  userId: string,
  ttlSeconds: number,
  nowMs = Date.now(),
): { username: string; credential: string } {
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${userId}`;
  return { username, credential: crypto.createHmac('sha1', secret).update(username).digest('base64') };
}
