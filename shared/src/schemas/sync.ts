import { FormatRegistry, Type, type Static } from '@sinclair/typebox';
import { Uuid } from './common';
import { MarkPoints, MarkText, Measurement, type AnnotationTool } from '../annotations/model';

/**
 * Synchronized viewing in rounds: the per-round shared viewer state (what the presenter shows, who presents,
 * the round's live annotations) and the operations that change it. One authoritative copy lives on the server
 * (Redis when configured) with a sequence number; every applied operation is broadcast with its `seq`.
 */

/** A DICOM UID (0-9 and dots, ≤ 64 chars). */
export const DicomUid = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9.]+$' });

/**
 * Tools whose marks are shared live and persisted through the imaging annotation store: the annotation model's
 * tools (annotations/model.ts), minus Probe.
 */
export const SYNC_TOOLS = [
  'Length',
  'Angle',
  'EllipticalRoi',
  'RectangleRoi',
  'FreehandRoi',
  'ArrowAnnotate',
] as const satisfies readonly AnnotationTool[];
export type SyncTool = (typeof SYNC_TOOLS)[number];
export const SyncToolSchema = Type.Union(SYNC_TOOLS.map((t) => Type.Literal(t)));

const Finite = (opts: { minimum?: number; maximum?: number; exclusiveMinimum?: number } = {}) =>
  Type.Number({ minimum: -1e9, maximum: 1e9, ...opts });

/** What a follower's viewer mirrors. */
export const SyncViewport = Type.Object(
  {
    studyUid: DicomUid,
    seriesUid: DicomUid,
    /** 0-based index into the series' image stack. */
    imageIndex: Type.Integer({ minimum: 0, maximum: 100_000 }),
    windowCenter: Finite(),
    windowWidth: Finite({ exclusiveMinimum: 0 }),
    /** 1 = fit. */
    zoom: Finite({ exclusiveMinimum: 0, maximum: 1000 }),
    /** Pan in image pixels from the fitted position. */
    pan: Type.Tuple([Finite(), Finite()]),
    /** Degrees clockwise. */
    rotation: Finite({ minimum: -360, maximum: 360 }),
    flipHorizontal: Type.Boolean(),
    flipVertical: Type.Boolean(),
    invert: Type.Boolean(),
    cine: Type.Object(
      { playing: Type.Boolean(), fps: Type.Number({ minimum: 1, maximum: 120 }) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type SyncViewport = Static<typeof SyncViewport>;

/**
 * A mark's geometry, text and values in the annotation model's shape (annotations/model.ts): points in image
 * pixels, measurements from `measure()` (the author's viewer computes them for display; the store recomputes).
 */
export const SyncAnnotationData = Type.Object(
  {
    points: MarkPoints,
    text: Type.Optional(MarkText),
    measurements: Type.Optional(Type.Array(Measurement, { maxItems: 8 })),
  },
  { additionalProperties: false },
);
export type SyncAnnotationData = Static<typeof SyncAnnotationData>;

/** Where an annotation sits: one frame of one image of the study. */
export const SyncAnnotationTarget = Type.Object(
  {
    studyUid: DicomUid,
    seriesUid: DicomUid,
    sopInstanceUid: DicomUid,
    /** 0-based frame for multi-frame images; 0 otherwise. */
    frame: Type.Integer({ minimum: 0, maximum: 100_000 }),
    /** The stack position the author drew on (so viewers can show it without resolving SOP UIDs). */
    imageIndex: Type.Integer({ minimum: 0, maximum: 100_000 }),
  },
  { additionalProperties: false },
);
export type SyncAnnotationTarget = Static<typeof SyncAnnotationTarget>;

export const SyncAnnotation = Type.Object({
  /** Chosen by the author's client (uuid), so drafts and the finished mark share it. */
  id: Uuid,
  target: SyncAnnotationTarget,
  tool: SyncToolSchema,
  data: SyncAnnotationData,
  authorId: Uuid,
  authorName: Type.String(),
  /** Author color, derived from the author id (same on every client). */
  color: Type.String(),
  /** Id of the persisted copy in the imaging annotation store (null until stored). */
  storeId: Type.Union([Uuid, Type.Null()]),
  /** 1 on creation, +1 per accepted update. Updates and deletes must name the version they edit. */
  version: Type.Integer({ minimum: 1 }),
});
export type SyncAnnotation = Static<typeof SyncAnnotation>;

export const SyncParticipant = Type.Object({ userId: Uuid, displayName: Type.String() });
export type SyncParticipant = Static<typeof SyncParticipant>;

/** The whole shared state of one round's viewer. */
export const SyncState = Type.Object({
  roundId: Uuid,
  /** Sequence number of the last applied operation; 0 = nothing happened yet. */
  seq: Type.Integer({ minimum: 0 }),
  studyUid: Type.Union([DicomUid, Type.Null()]),
  presenter: Type.Union([SyncParticipant, Type.Null()]),
  viewport: Type.Union([SyncViewport, Type.Null()]),
  /** By id; only the open study's annotations are shown. */
  annotations: Type.Record(Type.String(), SyncAnnotation),
  /** Users other than the presenter whom the presenter allowed to draw. */
  drawers: Type.Array(Uuid),
  /** Users who detached from the presenter (shown to the presenter as "looking around"). */
  detached: Type.Array(Uuid),
  /** Recently applied command ids (client op ids) → seq, for idempotent replays. Bounded. */
  recentOps: Type.Array(Type.Tuple([Type.String(), Type.Integer()])),
});
export type SyncState = Static<typeof SyncState>;

/** A study the round links: its UID and, when the caller can load it, the imaging id and a description. */
export const SyncStudy = Type.Object({
  studyUid: DicomUid,
  studyId: Type.Union([Uuid, Type.Null()]),
  description: Type.String(),
});
export type SyncStudy = Static<typeof SyncStudy>;

/** Join answer: the state plus who the caller is in this round. */
export const SyncSnapshot = Type.Object({
  state: SyncState,
  me: Type.Object({ userId: Uuid, isHost: Type.Boolean(), color: Type.String() }),
  /** Studies that may be opened for everyone in this round, as this user's viewer loads them. */
  studies: Type.Array(SyncStudy),
});
export type SyncSnapshot = Static<typeof SyncSnapshot>;

/** Stable author colour: a palette entry picked by hashing the user id (identical on server and clients). */
export const AUTHOR_COLORS = [
  '#e6194b',
  '#3cb44b',
  '#ffe119',
  '#4363d8',
  '#f58231',
  '#911eb4',
  '#42d4f4',
  '#f032e6',
];
export function authorColor(userId: string): string {
  let h = 0;
  for (let i = 0; i < userId.length; i++) h = (h * 31 + userId.charCodeAt(i)) >>> 0;
  return AUTHOR_COLORS[h % AUTHOR_COLORS.length]!;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * TypeBox's own checker (used for socket payloads; HTTP goes through ajv) knows no string formats until they are
 * registered. Idempotent; call before checking sync payloads.
 */
export function registerSyncFormats(): void {
  if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', (v) => UUID_RE.test(v));
}
