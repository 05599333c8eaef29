import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import {
  registerSyncFormats,
  SYNC_COMMANDS,
  SYNC_STATE_COMMANDS,
  SyncCommandSchemas,
  type Ack,
  type SyncCommandType,
  type SyncStateCommand,
} from '@consult/shared';
import type { IoSocket } from '../realtime/plugin';
import { DomainError } from '../errors';
import type { SyncService } from './service';
import { ConcurrencyError, StoreTimeoutError } from './store';

registerSyncFormats();
const checks = Object.fromEntries(
  Object.entries(SyncCommandSchemas).map(([k, s]) => [k, TypeCompiler.Compile(s as TSchema)]),
) as Record<SyncCommandType, TypeCheck<TSchema>>;

const isStateCommand = (t: SyncCommandType): t is SyncStateCommand['type'] =>
  (SYNC_STATE_COMMANDS as readonly string[]).includes(t);

/**
 * The `sync:<command>` handlers of one connection: payloads are validated at the edge, errors become
 * `{ ok: false, code, message }` acks (internal ones are logged and hidden).
 */
export function registerSyncHandlers(
  socket: IoSocket,
  service: SyncService,
  log: { error(obj: object, msg: string): void },
): void {
  for (const type of SYNC_COMMANDS) {
    socket.on(
      `sync:${type}` as never,
      (async (data: unknown, ack?: (r: Ack<unknown>) => void) => {
        const reply = typeof ack === 'function' ? ack : () => undefined;
        const check = checks[type];
        if (!check.Check(data)) {
          const first = check.Errors(data).First();
          return reply({
            ok: false,
            code: 'validation',
            message: `${type}: ${first?.path || '/'} ${first?.message ?? 'invalid'}`,
          });
        }
        try {
          reply({ ok: true, data: await dispatch(service, socket, type, data) });
        } catch (err) {
          if (err instanceof DomainError) return reply({ ok: false, code: err.code, message: err.message });
          if (err instanceof StoreTimeoutError || err instanceof ConcurrencyError) {
            log.error({ err, type }, 'sync store unavailable');
            return reply({
              ok: false,
              code: 'unavailable',
              message: 'the shared viewer state is unavailable; try again',
            });
          }
          log.error({ err, type }, 'sync command failed');
          reply({ ok: false, code: 'internal', message: 'internal error; it has been logged' });
        }
      }) as never,
    );
  }
}

function dispatch(
  service: SyncService,
  socket: IoSocket,
  type: SyncCommandType,
  data: unknown,
): Promise<unknown> {
  switch (type) {
    case 'join':
      return service.join(socket, data as never);
    case 'leave':
      return service.leave(socket, data as never);
    case 'draft':
      return service.draft(socket, data as never);
    case 'laser':
      return service.laser(socket, data as never);
    default:
      if (!isStateCommand(type)) throw new TypeError(`unhandled sync command ${type}`);
      return service.command(socket, { ...(data as object), type } as SyncStateCommand);
  }
}
