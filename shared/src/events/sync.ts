/**
 * Synchronized viewing over the one socket.io connection. Commands (client → server) are `sync:<type>` events
 * whose payloads are TypeBox schemas the server validates at the edge; each acks. Applied operations come back
 * to every participant as `sync:event` with the round's sequence number; drafts (annotations being drawn) and
 * the laser pointer are ephemeral (`sync:draft`, `sync:laser`): relayed, never stored.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Uuid } from '../schemas/common';
import {
  SyncAnnotationData,
  SyncAnnotationTarget,
  DicomUid,
  SyncToolSchema,
  SyncViewport,
  type SyncAnnotation,
  type SyncParticipant,
  type SyncSnapshot,
} from '../schemas/sync';
import type { AckFn } from './index';

const RoundId = { roundId: Uuid };
/** Client-chosen id of a command, so a retried command is applied once. */
const OpId = Type.String({ minLength: 8, maxLength: 64 });

/** Command payload schemas, by command type. */
export const SyncCommandSchemas = {
  /** Enter the round's shared viewer; ack: the full state. Also used to resynchronise after a gap. */
  join: Type.Object(RoundId, { additionalProperties: false }),
  leave: Type.Object(RoundId, { additionalProperties: false }),
  /** Open one of the round's linked studies for everyone (presenter, host, or anyone while nobody presents). */
  openStudy: Type.Object(
    {
      ...RoundId,
      opId: Type.Optional(OpId),
      studyUid: DicomUid,
      viewport: Type.Union([SyncViewport, Type.Null()]),
    },
    { additionalProperties: false },
  ),
  /** Become presenter (when nobody presents) or, as host, take it back. */
  takePresenter: Type.Object({ ...RoundId, opId: Type.Optional(OpId) }, { additionalProperties: false }),
  /** Presenter (or host) hands presenting to another participant. */
  handOver: Type.Object(
    { ...RoundId, opId: Type.Optional(OpId), toUserId: Uuid },
    { additionalProperties: false },
  ),
  releasePresenter: Type.Object({ ...RoundId, opId: Type.Optional(OpId) }, { additionalProperties: false }),
  /** The presenter's viewport (series, image, window/level, zoom/pan, rotation, cine). */
  viewport: Type.Object({ ...RoundId, viewport: SyncViewport }, { additionalProperties: false }),
  /** A finished mark: shared with everyone and persisted in the imaging annotation store. */
  annotationCommit: Type.Object(
    {
      ...RoundId,
      opId: OpId,
      annotation: Type.Object(
        { id: Uuid, target: SyncAnnotationTarget, tool: SyncToolSchema, data: SyncAnnotationData },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
  /** Edit a mark; `baseVersion` is the version the editor saw. A stale version is refused (conflict). */
  annotationUpdate: Type.Object(
    { ...RoundId, opId: OpId, id: Uuid, baseVersion: Type.Integer({ minimum: 1 }), data: SyncAnnotationData },
    { additionalProperties: false },
  ),
  annotationDelete: Type.Object(
    { ...RoundId, opId: OpId, id: Uuid, baseVersion: Type.Integer({ minimum: 1 }) },
    { additionalProperties: false },
  ),
  /** Presenter (or host) lets another participant draw, or stops them. */
  allowDraw: Type.Object(
    { ...RoundId, opId: Type.Optional(OpId), userId: Uuid, allowed: Type.Boolean() },
    { additionalProperties: false },
  ),
  /** Detach from (false) or re-attach to (true) the presenter; shown to the presenter. */
  follow: Type.Object({ ...RoundId, following: Type.Boolean() }, { additionalProperties: false }),
  /** A mark being drawn (null: drawing abandoned or finished). Relayed to others, never stored. */
  draft: Type.Object(
    {
      ...RoundId,
      id: Uuid,
      draft: Type.Union([
        Type.Object(
          { target: SyncAnnotationTarget, tool: SyncToolSchema, data: SyncAnnotationData },
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
    },
    { additionalProperties: false },
  ),
  /** The presenter's laser pointer in image pixels of the shown image (null: off). Relayed, never stored. */
  laser: Type.Object(
    {
      ...RoundId,
      point: Type.Union([
        Type.Object(
          { imageIndex: Type.Integer({ minimum: 0 }), x: Type.Number(), y: Type.Number() },
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
    },
    { additionalProperties: false },
  ),
} satisfies Record<string, TSchema>;

export type SyncCommandType = keyof typeof SyncCommandSchemas;
export type SyncCommandData<T extends SyncCommandType> = Static<(typeof SyncCommandSchemas)[T]>;
export const SYNC_COMMANDS = Object.keys(SyncCommandSchemas) as SyncCommandType[];

/** The commands that change the sequenced state (the rest are session or ephemeral). */
export type SyncStateCommand =
  | ({ type: 'openStudy' } & SyncCommandData<'openStudy'>)
  | ({ type: 'takePresenter' } & SyncCommandData<'takePresenter'>)
  | ({ type: 'handOver' } & SyncCommandData<'handOver'>)
  | ({ type: 'releasePresenter' } & SyncCommandData<'releasePresenter'>)
  | ({ type: 'viewport' } & SyncCommandData<'viewport'>)
  | ({ type: 'annotationCommit' } & SyncCommandData<'annotationCommit'>)
  | ({ type: 'annotationUpdate' } & SyncCommandData<'annotationUpdate'>)
  | ({ type: 'annotationDelete' } & SyncCommandData<'annotationDelete'>)
  | ({ type: 'allowDraw' } & SyncCommandData<'allowDraw'>)
  | ({ type: 'follow' } & SyncCommandData<'follow'>);
export const SYNC_STATE_COMMANDS = [
  'openStudy',
  'takePresenter',
  'handOver',
  'releasePresenter',
  'viewport',
  'annotationCommit',
  'annotationUpdate',
  'annotationDelete',
  'allowDraw',
  'follow',
] as const satisfies readonly SyncStateCommand['type'][];

/** An applied change, as stored and broadcast. */
export type SyncOp =
  | { type: 'studyOpened'; studyUid: string; viewport: SyncViewport | null }
  | { type: 'presenterChanged'; presenter: SyncParticipant | null }
  | { type: 'viewport'; viewport: SyncViewport }
  | { type: 'annotationUpserted'; annotation: SyncAnnotation }
  | { type: 'annotationDeleted'; id: string }
  | { type: 'drawersChanged'; drawers: string[] }
  | { type: 'followChanged'; userId: string; following: boolean }
  /**
   * What a participant receives instead of an operation on a study they may not view (the access policy: a round
   * shows a case outside its care team only with the requesting hospital's consent). Keeps the seq contiguous.
   */
  | { type: 'withheld' };

export interface SyncEvent {
  roundId: string;
  /** Position in the round's total order; consecutive from 1. */
  seq: number;
  /** Who caused it. */
  by: string;
  opId: string | null;
  op: SyncOp;
  /** Server time in ms since the epoch (latency measurements, "updated 2 s ago"). */
  at: number;
}

export interface SyncDraftEvent {
  roundId: string;
  id: string;
  authorId: string;
  authorName: string;
  color: string;
  draft: SyncCommandData<'draft'>['draft'];
}

export interface SyncLaserEvent {
  roundId: string;
  userId: string;
  color: string;
  point: SyncCommandData<'laser'>['point'];
}

export interface SyncRevokedEvent {
  roundId: string;
  reason: 'removed' | 'ended';
}

/** Ack data per command. */
export interface SyncCommandResponses {
  join: SyncSnapshot;
  leave: undefined;
  openStudy: { seq: number };
  takePresenter: { seq: number };
  handOver: { seq: number };
  releasePresenter: { seq: number };
  viewport: { seq: number };
  annotationCommit: { seq: number; version: number };
  annotationUpdate: { seq: number; version: number };
  annotationDelete: { seq: number };
  allowDraw: { seq: number };
  follow: { seq: number };
  draft: undefined;
  laser: undefined;
}

export type SyncClientToServerEvents = {
  [T in SyncCommandType as `sync:${T}`]: (
    data: SyncCommandData<T>,
    ack: AckFn<SyncCommandResponses[T]>,
  ) => void;
};

export interface SyncServerToClientEvents {
  'sync:event': (e: SyncEvent) => void;
  'sync:draft': (e: SyncDraftEvent) => void;
  'sync:laser': (e: SyncLaserEvent) => void;
  /** This user may no longer take part (removed from the round, or the round ended). */
  'sync:revoked': (e: SyncRevokedEvent) => void;
}
