import crypto from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Value } from '@sinclair/typebox/value';
import {
  RoundRequestSchemas,
  ROUND_METHODS,
  type Ack,
  type IceServer,
  type RoundMethod,
  type RoundNotification,
  type RoundRequestData,
  type RoundResponse,
} from '@consult/shared';
import type { types } from 'mediasoup';
import type { Actor } from '../auth/actor';
import { turnCredentials } from '../sfu/turn';
import type { Config } from '../config';
import type { IoSocket } from '../realtime/plugin';
import { DomainError } from '../errors';
import { notifyUsers } from '../notifications/service';
import type { Peer } from '../sfu/Peer';
import type { Room } from '../sfu/Room';
import type { Sfu } from '../sfu/Sfu';
import * as svc from './room-service';
import { visibleRound } from './service';
import { inviteeIds } from './queries';
import { handsRaised, lowerHand, raiseHand } from './hands';
import { joinPath } from './invitations';

interface Joined {
  roundId: string;
  room: Room;
  peer: Peer;
}
type Handlers = { [M in RoundMethod]: (data: RoundRequestData<M>) => Promise<RoundResponse<M>> };

export const recordingPath = (config: Config, roundId: string, recordingId: string) =>
  path.join(config.dataDir, 'recordings', roundId, `${recordingId}.webm`);

/** The TURN relays for one user: a credential of their own that expires (TURN_SECRET), or the static one. */
export function iceServers(config: Config, userId: string): IceServer[] {
  const c = config.sfu;
  if (!c.turnUrls.length) return [];
  if (c.turnSecret) return [{ urls: c.turnUrls, ...turnCredentials(c.turnSecret, userId, c.turnTtlSeconds) }];
  return [{ urls: c.turnUrls, username: c.turnUsername!, credential: c.turnCredential! }];
}

function errorAck(err: unknown, log: FastifyInstance['log']): Ack<never> {
  if (err instanceof DomainError) return { ok: false, code: err.code, message: err.message };
  if (err instanceof TypeError) return { ok: false, code: 'validation', message: err.message };
  log.error({ err }, 'round signalling failed');
  return { ok: false, code: 'internal', message: 'internal error; it has been logged' };
}

/** How long a peer whose socket dropped mid-call waits for the browser to come back and resume it. */
const RESUME_GRACE_MS = 30_000;

/** Pending recordings: resolved once ffmpeg has finished and the row is updated. */
const finishing = new Map<string, Promise<void>>();

/**
 * Round signalling on the socket: `round:<method>` requests with acks, `round:notify` notifications. The socket
 * joins a round only through `authorizeJoin`, the same rule the HTTP routes apply; every other request needs
 * that join. One joined round per socket.
 */
export function registerRoundSocket(app: FastifyInstance, config: Config, sfu: Sfu): void {
  app.onSocket((socket: IoSocket) => {
    const actor: Actor = socket.data.actor;
    let joined: Joined | null = null;

    /** This socket's peer, unless it closed or a newer socket of the same browser resumed it. */
    const mine = (): Joined | null =>
      joined && !joined.peer.closed && joined.peer.socketId === socket.id ? joined : null;
    const need = (): Joined => {
      const j = mine();
      if (!j) throw new DomainError('invalid_transition', 'join a round first');
      return j;
    };
    const leave = () => {
      mine()?.peer.close();
      joined = null;
    };
    const notify = (n: RoundNotification) => socket.emit('round:notify', n);
    const hold = (current: Joined) => {
      joined = current;
      current.peer.once('close', () => {
        if (joined === current) joined = null;
      });
    };

    /**
     * After a network change the browser comes back on a new socket and restarts ICE on its transports. A
     * transport id of this user's own peer (known only to the client that created it) moves that peer here:
     * its media, consumers and layers survive, and it gets the notifications it missed.
     */
    const resume = async (transportId: string): Promise<void> => {
      for (const room of sfu.rooms.values()) {
        const peer = room.peers.get(actor.id);
        if (!peer || peer.closed || !peer.transports.has(transportId)) continue;
        await svc.authorizeJoin(app.db, actor, room.roundId);
        // Both transports' restarts arrive together: the first one resumes, the second finds it done.
        if (peer.closed || mine()?.peer === peer) return;
        leave();
        hold({ roundId: room.roundId, room, peer });
        peer.attach(socket.id, notify);
        return;
      }
    };

    const handlers: Handlers = {
      join: async ({ roundId }) => {
        const { round, me } = await svc.authorizeJoin(app.db, actor, roundId);
        leave();
        const room = await sfu.room(roundId, round.host_id);
        const peer = await room.addPeer({ person: me, socketId: socket.id, notify });
        hold({ roundId, room, peer });
        if (await svc.markLive(app.db, actor, roundId)) {
          const invited = await inviteeIds(app.db, roundId);
          await notifyUsers(
            app.db,
            app.io,
            [round.host_id, ...invited].filter((u) => u !== actor.id),
            {
              kind: 'round.started',
              entityType: 'round',
              entityId: roundId,
              data: { title: round.title, joinPath: joinPath(roundId) },
            },
          );
        }
        return {
          peerId: peer.id,
          routerRtpCapabilities: peer.router.rtpCapabilities as never,
          iceServers: iceServers(config, actor.id),
          peers: [...room.peers.values()].filter((p) => p !== peer).map((p) => p.info()),
          currentAgendaItemId: round.current_agenda_item_id,
          recording: room.recordingId !== null,
          chat: await svc.chatHistory(app.db, roundId),
          handsRaised: handsRaised(room),
        };
      },
      ready: async ({ rtpCapabilities }) => {
        const { room, peer } = need();
        peer.rtpCapabilities = rtpCapabilities as unknown as types.RtpCapabilities;
        const existing = room.consumableBy(peer);
        for (const p of room.peers.values()) {
          if (p === peer) continue;
          for (const prod of p.producers.values()) {
            peer.notify({
              name: 'newProducer',
              data: {
                peerId: p.id,
                producer: {
                  producerId: prod.id,
                  kind: prod.kind,
                  source: prod.appData.source,
                  paused: prod.paused,
                },
              },
            });
          }
        }
        return { consumable: existing.length };
      },
      createTransport: async ({ direction }) => {
        const { room, peer } = need();
        return room.createTransport(peer, direction);
      },
      connectTransport: async ({ transportId, dtlsParameters }) => {
        await need().peer.connectTransport(transportId, dtlsParameters as unknown as types.DtlsParameters);
        return undefined;
      },
      restartIce: async ({ transportId }) => {
        if (!mine()) await resume(transportId);
        return { iceParameters: (await need().peer.restartIce(transportId)) as never };
      },
      produce: async ({ transportId, kind, rtpParameters, source }) => {
        const { room, peer } = need();
        const p = await room.produce(
          peer,
          transportId,
          kind,
          rtpParameters as unknown as types.RtpParameters,
          source,
        );
        return { producerId: p.id };
      },
      closeProducer: async ({ producerId }) => {
        need().peer.producer(producerId).close();
        return undefined;
      },
      pauseProducer: async ({ producerId, paused }) => {
        const { room, peer } = need();
        await room.pauseProducer(peer, producerId, paused);
        return undefined;
      },
      consume: async ({ producerId }) => {
        const { room, peer } = need();
        return peer.consume(producerId, room.producerMeta(producerId));
      },
      resumeConsumer: async ({ consumerId }) => {
        await need().peer.resumeConsumer(consumerId);
        return undefined;
      },
      pauseConsumer: async ({ consumerId }) => {
        await need().peer.pauseConsumer(consumerId);
        return undefined;
      },
      setPreferredLayers: async ({ consumerId, spatialLayer, temporalLayer }) => {
        await need().peer.setPreferredLayers(consumerId, spatialLayer, temporalLayer);
        return undefined;
      },
      setAudioOnly: async ({ enabled }) => {
        const { room, peer } = need();
        await peer.setAudioOnly(enabled);
        room.broadcast({ name: 'peerUpdated', data: { peerId: peer.id, audioOnly: enabled } }, peer.id);
        return undefined;
      },
      chat: async ({ text }) => {
        const { room, roundId } = need();
        const message = await svc.postChat(app.db, actor, roundId, text);
        room.broadcast({ name: 'chatMessage', data: { message } });
        return message;
      },
      setAgendaItem: async ({ agendaItemId }) => {
        const { room, roundId } = need();
        await svc.setAgendaItem(app.db, actor, roundId, agendaItemId);
        room.broadcast({ name: 'agendaChanged', data: { agendaItemId } });
        return undefined;
      },
      raiseHand: async ({ raised }) => {
        const { room, peer } = need();
        raiseHand(room, peer.id, raised);
        return undefined;
      },
      lowerHand: async ({ peerId }) => {
        const { room, roundId } = need();
        await lowerHand(app.db, actor, room, peerId, () => app.sync.presenterOf(roundId));
        return undefined;
      },
      startRecording: async () => {
        const { room, roundId } = need();
        svc.assertCanRecord(actor, await visibleRound(app.db, actor, roundId));
        if (room.recordingId) throw new DomainError('conflict', 'already recording');
        const id = crypto.randomUUID();
        const file = recordingPath(config, roundId, id);
        await svc.recordingStarted(app.db, actor, roundId, id, path.basename(file));
        let recorder;
        try {
          recorder = await room.startRecording(id, file);
        } catch (e) {
          await svc.recordingFinished(app.db, id, false, 0);
          throw e instanceof DomainError
            ? e
            : new DomainError('unavailable', `recording could not start: ${(e as Error).message}`);
        }
        finishing.set(
          id,
          new Promise<void>((resolve) =>
            recorder.once('done', (ok, size) => {
              if (!ok)
                app.log.warn({ recordingId: id, ffmpeg: recorder.ffmpegLog }, 'recording produced no file');
              void svc
                .recordingFinished(app.db, id, ok, size)
                .catch((err: unknown) => app.log.error({ err }, 'recording row update failed'))
                .finally(() => {
                  finishing.delete(id);
                  if (!room.closed)
                    room.broadcast({
                      name: 'recordingChanged',
                      data: { recording: false, recordingId: null },
                    });
                  resolve();
                });
            }),
          ),
        );
        room.broadcast({ name: 'recordingChanged', data: { recording: true, recordingId: id } });
        return { recordingId: id };
      },
      stopRecording: async () => {
        const { room, roundId } = need();
        svc.assertCanRecord(actor, await visibleRound(app.db, actor, roundId));
        const id = room.recordingId;
        await room.stopRecording();
        if (id) await finishing.get(id);
        return undefined;
      },
      leave: async () => {
        leave();
        return undefined;
      },
    };

    for (const method of ROUND_METHODS) {
      const schema = RoundRequestSchemas[method];
      socket.on(
        `round:${method}` as never,
        (async (data: unknown, ack: unknown) => {
          if (typeof ack !== 'function') return;
          const reply = ack as (a: Ack<unknown>) => void;
          if (!Value.Check(schema, data)) {
            const first = Value.Errors(schema, data).First();
            return reply({
              ok: false,
              code: 'validation',
              message: `${method}: ${first ? `${first.path || '/'} ${first.message}` : 'invalid'}`,
            });
          }
          try {
            reply({ ok: true, data: await (handlers[method] as (d: unknown) => Promise<unknown>)(data) });
          } catch (e) {
            reply(errorAck(e, app.log));
          }
        }) as never,
      );
    }
    socket.on('disconnect', (reason) => {
      const j = mine();
      joined = null;
      if (!j) return;
      // Said goodbye, or the browser closed its media (tab closed): gone. Otherwise the network dropped under
      // a live call: keep the peer for a while, for the browser's next socket to resume (see `resume`).
      if (
        reason === 'client namespace disconnect' ||
        reason === 'server namespace disconnect' ||
        !j.peer.mediaAlive
      )
        return j.peer.close();
      j.peer.detach();
      setTimeout(() => {
        if (j.peer.detached && j.peer.socketId === socket.id) j.peer.close();
      }, RESUME_GRACE_MS).unref();
    });
  });
}

export async function waitForRecordings(): Promise<void> {
  await Promise.all(finishing.values());
}
