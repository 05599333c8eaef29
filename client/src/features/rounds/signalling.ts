/**
 * The room's signalling over the app's socket: one request/answer per round method (`round:<method>` with an
 * acknowledgement), the type every part of the room uses to ask, and the room's two kinds of trace: performance
 * marks for the join's steps and console lines for what failed without stopping the room.
 */
import type { Ack, RoundMethod, RoundRequestData, RoundResponse } from '@consult/shared';
import { emitAcked, NoAnswer, type AppSocket } from '../../app/socket';
import { ConnectionDropped, RequestError } from './roomTypes';

export type Request = <M extends RoundMethod>(
  method: M,
  data: RoundRequestData<M>,
) => Promise<RoundResponse<M>>;

/** Run a request through the room's resume gate (roomResume.ts `asked`); by default, straight away. */
export type Ask = <T>(f: () => Promise<T>) => Promise<T>;
/** Ask at once (a request made as part of a join, which is redone whole when its socket drops). */
export const askNow: Ask = (f) => f();

/**
 * Ask the round's node (wherever it is: the socket's node routes it); no answer in 15 s is `unavailable`, and a
 * socket that drops before the answer is `ConnectionDropped` at once (the request went with it).
 */
export const roomRequest =
  (socket: AppSocket): Request =>
  async (method, data) => {
    let res: Ack<RoundResponse<typeof method>>;
    try {
      res = await emitAcked(socket, `round:${method}`, data, 15_000);
    } catch (e) {
      throw e instanceof NoAnswer && e.dropped
        ? new ConnectionDropped(method)
        : new RequestError('unavailable', `${method}: no answer from the server`);
    }
    if (!res.ok) throw new RequestError(res.code, res.message);
    return res.data;
  };

/** A step of joining, on the page's performance timeline (`pnpm bench rounds` prints them). */
export const mark = (step: string): void => void performance.mark(`round:${step}`);

/** A step that failed without stopping the room (a consumer left out, say): said on the console. */
export const warn = (what: string, e: unknown): void =>
  console.warn(`round: ${what} failed: ${e instanceof Error ? e.message : String(e)}`);
