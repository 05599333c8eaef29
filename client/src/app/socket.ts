import { useEffect } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@consult/shared';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: AppSocket | null = null;

/**
 * The one socket.io connection (same origin, session cookie). Reconnects by itself, the first time after
 * 0.25–0.75 s: when a node of a cluster dies its browsers reach a survivor quickly (a round moves within 5 s).
 */
export function connectSocket(): AppSocket {
  if (!socket)
    socket = io({
      path: '/socket.io',
      withCredentials: true,
      transports: ['websocket', 'polling'],
      reconnectionDelay: 500,
    });
  return socket;
}

export function disconnectSocket(): void {
  socket?.disconnect();
  socket = null;
}

export const getSocket = (): AppSocket | null => socket;

/**
 * An acknowledged emit that got no answer. `dropped`: the socket disconnected first, and the emit was lost with it
 * (socket.io never sends it again), so it may be asked again once the feature is back on the next socket; else
 * none came within the time allowed.
 */
export class NoAnswer extends Error {
  constructor(
    readonly event: string,
    readonly dropped: boolean,
  ) {
    super(`${event}: ${dropped ? 'the connection dropped before the answer' : 'no answer from the server'}`);
  }
}

/** Emit `event` and wait for its acknowledgement; a drop of the socket ends the wait at once (NoAnswer). */
export async function emitAcked<R>(
  s: AppSocket,
  event: string,
  data: unknown,
  timeoutMs: number,
): Promise<R> {
  let onDrop = (): void => undefined;
  const dropped = new Promise<never>((_resolve, reject) => {
    onDrop = () => reject(new NoAnswer(event, true));
    s.once('disconnect', onDrop);
  });
  const answered = (
    s.timeout(timeoutMs) as unknown as { emitWithAck(ev: string, d: unknown): Promise<R> }
  ).emitWithAck(event, data);
  try {
    return await Promise.race([
      answered.catch(() => {
        throw new NoAnswer(event, false);
      }),
      dropped,
    ]);
  } finally {
    s.off('disconnect', onDrop);
    answered.catch(() => undefined); // its timeout after a drop is no one's to report
  }
}

/** Subscribe to a server event while the component is mounted. */
export function useSocketEvent<E extends keyof ServerToClientEvents>(
  event: E,
  handler: ServerToClientEvents[E],
): void {
  useEffect(() => {
    const s = connectSocket();
    s.on(event, handler as never);
    return () => {
      s.off(event, handler as never);
    };
  }, [event, handler]);
}
