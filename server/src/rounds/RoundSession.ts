import crypto from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { RoundMethod, RoundNotification, RoundRequestData, RoundResponse } from '@consult/shared';
import type { types } from 'mediasoup';
import type { Actor } from '../auth/actor';
import type { Config } from '../config';
import { DomainError } from '../errors';
import { notifyUsers } from '../notifications/service';
import type { Peer } from '../sfu/Peer';
import type { Room } from '../sfu/Room';
import type { Sfu } from '../sfu/Sfu';
import { iceServers } from './ice-servers';
import { inviteeIds } from './queries';
import { finishing, recordingPath, storeRecording } from './recording-jobs';
import * as svc from './room-service';
import { visibleRound } from './service';
import { handsRaised, lowerHand, raiseHand } from './hands';
import { joinPath } from './invitations';

interface Joined {
  roundId: string;
  room: Room;
  peer: Peer;
}
type Handlers = { [M in RoundMethod]: (data: RoundRequestData<M>) => Promise<RoundResponse<M>> };

/** How long a peer whose socket dropped mid-call waits for the browser to come back and resume it. */
const RESUME_GRACE_MS = 30_000;

/**
 * One browser socket's part in a round, kept on the node that owns the round (the socket itself may be
 * connected to any node: requests arrive through RoundRouter, notifications leave through the socket.io
 * adapter, addressed to the socket id). One joined round per socket.
 */
export class RoundSession {
  readonly socketId: string;
  /** The node the socket is connected to. */
  readonly entryNodeId: string;
  actor: Actor;
  #joined: Joined | null = null;
  /** The last join or leave of this socket (see handle). */
  #membership: Promise<unknown> = Promise.resolve();
  readonly #app: FastifyInstance;
  readonly #config: Config;
  readonly #sfu: Sfu;

  constructor(o: {
    app: FastifyInstance;
    config: Config;
    sfu: Sfu;
    socketId: string;
    entryNodeId: string;
    actor: Actor;
  }) {
    this.#app = o.app;
    this.#config = o.config;
    this.#sfu = o.sfu;
    this.socketId = o.socketId;
    this.entryNodeId = o.entryNodeId;
    this.actor = o.actor;
  }

  /** The round this socket has joined here, if its peer is still this socket's. */
  get roundId(): string | null {
    return this.#mine()?.roundId ?? null;
  }

  handle<M extends RoundMethod>(method: M, data: RoundRequestData<M>): Promise<RoundResponse<M>> {
    const run = () => (this.#handlers[method] as (d: unknown) => Promise<RoundResponse<M>>)(data);
    if (method !== 'join' && method !== 'leave') return run();
    // A socket's joins and leaves one after the other, in the order they came: two joins side by side would each
    // close the other's peer half-way (the second `replaced` by the first), leaving the browser with transports
    // of a peer the room no longer has.
    const next = this.#membership.then(run);
    this.#membership = next.catch(() => undefined);
    return next;
  }

  /** This socket's peer, unless it closed or a newer socket of the same browser resumed it. */
  #mine(): Joined | null {
    const j = this.#joined;
    return j && !j.peer.closed && j.peer.socketId === this.socketId ? j : null;
  }
  #need(): Joined {
    const j = this.#mine();
    if (!j) throw new DomainError('invalid_transition', 'join a round first');
    return j;
  }
  #leave(): void {
    this.#mine()?.peer.close();
    this.#joined = null;
  }
  /** To the socket here when it is connected to this node, else through the adapter to its node. */
  readonly #notify = (n: RoundNotification): void => {
    const here = this.#app.io.sockets.sockets.get(this.socketId);
    if (here) here.emit('round:notify', n);
    else this.#app.io.to(this.socketId).emit('round:notify', n);
  };
  #hold(current: Joined): void {
    this.#joined = current;
    current.peer.once('close', () => {
      if (this.#joined === current) this.#joined = null;
    });
  }

  /**
   * After a network change the browser comes back on a new socket and restarts ICE on its transports. A
   * transport id of this user's own peer (known only to the client that created it) moves that peer here:
   * its media, consumers and layers survive, and it gets the notifications it missed.
   */
  async #resume(transportId: string): Promise<void> {
    for (const room of this.#sfu.rooms.values()) {
      const peer = room.peers.get(this.actor.id);
      if (!peer || peer.closed || !peer.transports.has(transportId)) continue;
      await svc.authorizeJoin(this.#app.db, this.actor, room.roundId);
      // Both transports' restarts arrive together: the first one resumes, the second finds it done.
      if (peer.closed || this.#mine()?.peer === peer) return;
      this.#leave();
      this.#hold({ roundId: room.roundId, room, peer });
      peer.attach(this.socketId, this.#notify);
      return;
    }
  }

  /**
   * The socket is gone. Said goodbye, or the browser closed its media (tab closed): the peer goes. Otherwise the
   * network dropped under a live call: the peer waits a while for the browser's next socket to resume it.
   */
  disconnect(reason: string): void {
    const j = this.#mine();
    this.#joined = null;
    if (!j) return;
    if (
      reason === 'client namespace disconnect' ||
      reason === 'server namespace disconnect' ||
      !j.peer.mediaAlive
    )
      return j.peer.close();
    j.peer.detach();
    setTimeout(() => {
      if (j.peer.detached && j.peer.socketId === this.socketId) j.peer.close();
    }, RESUME_GRACE_MS).unref();
  }

  readonly #handlers: Handlers = {
    join: async ({ roundId, transports }) => {
      const { db } = this.#app;
      const { round, me } = await svc.authorizeJoin(db, this.actor, roundId);
      this.#leave();
      const room = await this.#sfu.room(roundId, round.host_id);
      const peer = await room.addPeer({ person: me, socketId: this.socketId, notify: this.#notify });
      this.#hold({ roundId, room, peer });
      // The audit (and, on the first join, the round going live and its invitees told), the chat history and
      // (when asked) both transports at once: the join is the whole first round trip. If any of it fails, the
      // join leaves no peer behind.
      const [, chat, send, recv] = await Promise.all([
        svc.markLive(db, this.actor, round).then(async (wentLive) => {
          if (!wentLive) return;
          const invited = await inviteeIds(db, roundId);
          await notifyUsers(
            db,
            this.#app.io,
            [round.host_id, ...invited].filter((u) => u !== this.actor.id),
            {
              kind: 'round.started',
              entityType: 'round',
              entityId: roundId,
              data: { title: round.title, joinPath: joinPath(roundId) },
            },
          );
        }),
        svc.chatHistory(db, roundId),
        transports ? room.createTransport(peer, 'send') : null,
        transports ? room.createTransport(peer, 'recv') : null,
      ]).catch((e: unknown) => {
        this.#leave();
        throw e;
      });
      return {
        peerId: peer.id,
        routerRtpCapabilities: peer.router.rtpCapabilities as never,
        iceServers: iceServers(this.#config, this.actor.id),
        peers: [...room.peers.values()].filter((p) => p !== peer).map((p) => p.info()),
        currentAgendaItemId: round.current_agenda_item_id,
        recording: room.recordingId !== null,
        chat,
        handsRaised: handsRaised(room),
        ...(send && recv ? { transports: { send, recv } } : {}),
      };
    },
    ready: async ({ rtpCapabilities, consume, spatialLayer }) => {
      const { room, peer } = this.#need();
      peer.rtpCapabilities = rtpCapabilities as unknown as types.RtpCapabilities;
      const existing = room.consumableBy(peer);
      if (consume) {
        // Created here, in the answer, instead of announced one by one: the client consumes them at once. One
        // that fails (closed meanwhile, a codec these capabilities lack) is left out, as a failed consume was.
        const ids = existing.map((m) => m.producerId as string);
        const made = await Promise.all(
          ids.map((id) => peer.consume(id, room.producerMeta(id), spatialLayer).catch(() => null)),
        );
        return { consumable: existing.length, consumers: made.filter((c) => c !== null) };
      }
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
      const { room, peer } = this.#need();
      return room.createTransport(peer, direction);
    },
    connectTransport: async ({ transportId, dtlsParameters }) => {
      await this.#need().peer.connectTransport(
        transportId,
        dtlsParameters as unknown as types.DtlsParameters,
      );
      return undefined;
    },
    restartIce: async ({ transportId }) => {
      if (!this.#mine()) await this.#resume(transportId);
      return { iceParameters: (await this.#need().peer.restartIce(transportId)) as never };
    },
    produce: async ({ transportId, kind, rtpParameters, source }) => {
      const { room, peer } = this.#need();
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
      this.#need().peer.producer(producerId).close();
      return undefined;
    },
    pauseProducer: async ({ producerId, paused }) => {
      const { room, peer } = this.#need();
      await room.pauseProducer(peer, producerId, paused);
      return undefined;
    },
    consume: async ({ producerId }) => {
      const { room, peer } = this.#need();
      return peer.consume(producerId, room.producerMeta(producerId));
    },
    resumeConsumer: async ({ consumerId }) => {
      await this.#need().peer.resumeConsumer(consumerId);
      return undefined;
    },
    pauseConsumer: async ({ consumerId }) => {
      await this.#need().peer.pauseConsumer(consumerId);
      return undefined;
    },
    setPreferredLayers: async ({ consumerId, spatialLayer, temporalLayer }) => {
      await this.#need().peer.setPreferredLayers(consumerId, spatialLayer, temporalLayer);
      return undefined;
    },
    setAudioOnly: async ({ enabled }) => {
      const { room, peer } = this.#need();
      await peer.setAudioOnly(enabled);
      room.broadcast({ name: 'peerUpdated', data: { peerId: peer.id, audioOnly: enabled } }, peer.id);
      return undefined;
    },
    chat: async ({ id, text }) => {
      const { room, roundId } = this.#need();
      const { message, fresh } = await svc.postChat(this.#app.db, this.actor, roundId, text, id);
      if (fresh) room.broadcast({ name: 'chatMessage', data: { message } });
      return message;
    },
    setAgendaItem: async ({ agendaItemId }) => {
      const { room, roundId } = this.#need();
      await svc.setAgendaItem(this.#app.db, this.actor, roundId, agendaItemId);
      room.broadcast({ name: 'agendaChanged', data: { agendaItemId } });
      return undefined;
    },
    raiseHand: async ({ raised }) => {
      const { room, peer } = this.#need();
      raiseHand(room, peer.id, raised);
      return undefined;
    },
    lowerHand: async ({ peerId }) => {
      const { room, roundId } = this.#need();
      await lowerHand(this.#app.db, this.actor, room, peerId, () => this.#app.sync.presenterOf(roundId));
      return undefined;
    },
    startRecording: async () => {
      const { room, roundId } = this.#need();
      const { db, log } = this.#app;
      svc.assertCanRecord(this.actor, await visibleRound(db, this.actor, roundId));
      // Asked again after a dropped socket lost the answer: the room records, as asked.
      if (room.recordingId) return { recordingId: room.recordingId };
      const id = crypto.randomUUID();
      const file = recordingPath(this.#config, roundId, id);
      await svc.recordingStarted(db, this.actor, roundId, id, path.basename(file));
      let recorder;
      try {
        recorder = await room.startRecording(id, file);
      } catch (e) {
        await svc.recordingFinished(db, id, false, 0);
        throw e instanceof DomainError
          ? e
          : new DomainError('unavailable', `recording could not start: ${(e as Error).message}`);
      }
      finishing.set(
        id,
        new Promise<void>((resolve) =>
          recorder.once('done', (ok, size) => {
            if (!ok) log.warn({ recordingId: id, ffmpeg: recorder.ffmpegLog }, 'recording produced no file');
            // A finished file moves into the shared storage before the row says it is there.
            const stored = ok
              ? storeRecording(this.#config, roundId, id).then(() => true)
              : Promise.resolve(false);
            void stored
              .catch((err: unknown) => {
                log.error({ err, recordingId: id }, 'the recording could not be moved into storage');
                return false;
              })
              .then((inStore) => svc.recordingFinished(db, id, inStore, inStore ? size : 0))
              .catch((err: unknown) => log.error({ err }, 'recording row update failed'))
              .finally(() => {
                finishing.delete(id);
                if (!room.closed)
                  room.broadcast({ name: 'recordingChanged', data: { recording: false, recordingId: null } });
                resolve();
              });
          }),
        ),
      );
      room.broadcast({ name: 'recordingChanged', data: { recording: true, recordingId: id } });
      return { recordingId: id };
    },
    stopRecording: async () => {
      const { room, roundId } = this.#need();
      svc.assertCanRecord(this.actor, await visibleRound(this.#app.db, this.actor, roundId));
      const id = room.recordingId;
      if (!id) return undefined; // stopped already (asked again after a dropped socket lost the answer)
      await room.stopRecording();
      if (id) await finishing.get(id);
      return undefined;
    },
    leave: async () => {
      this.#leave();
      return undefined;
    },
  };
}
