import type { FastifyRequest } from 'fastify';
import type { DB } from '../db/database';
import type { Actor } from '../auth/actor';
import { DomainError } from '../errors';
import { storeInstance, FAILURE, type StoreResult } from './ingest';
import { expectInstance, type Arrival } from './ingest-batch';
import { timedSync } from './ingest-timing';
import { boundaryOf, MultipartError, readMultipart, relatedTypeOf } from './multipart';
import { TempWriter, type BlobStore } from './storage';
import { num, str, type JsonDataSet } from './dicomjson';

export interface StowOptions {
  maxInstanceBytes: number;
  expectStudyUid?: string | undefined;
}

/** Parts of one request whose files sync at once, while the parts after them are read (libuv's pool has 4). */
const SYNCS_IN_FLIGHT = 4;

interface Sink {
  writer: TempWriter;
  /** Announced to the group commit when the part begins (ingest-batch.ts expectInstance). */
  arrival: Arrival;
  contentType: string;
  tooLarge: boolean;
  index: number;
}

const isDicom = (type: string) =>
  type.startsWith('application/dicom') && !type.startsWith('application/dicom+');

const rejected = (reason: string, code: number = FAILURE.cannotUnderstand): StoreResult => ({
  status: 'rejected',
  reason,
  failureCode: code,
  sopClassUid: null,
  sopInstanceUid: null,
  studyUid: null,
  seriesUid: null,
  studyId: null,
});

/**
 * Read a STOW-RS request body (multipart/related; type="application/dicom") part by part: each part is streamed
 * to a temp file under DATA_DIR (or held in memory while small), synced, then validated and handed to the group
 * commit (ingest-batch.ts), all while the next parts are read, so a study's syncs overlap and its instances share
 * transactions. The answer waits for every part's outcome.
 */
export async function stowParts(
  db: DB,
  store: BlobStore,
  actor: Actor,
  req: FastifyRequest,
  body: AsyncIterable<Uint8Array>,
  opts: StowOptions,
): Promise<StoreResult[]> {
  const ct = req.headers['content-type'] ?? '';
  if (!/^multipart\/related\b/i.test(ct)) {
    throw new DomainError(
      'unsupported_media_type',
      `STOW-RS takes multipart/related; type="application/dicom", not "${ct || 'no Content-Type'}"`,
    );
  }
  const type = relatedTypeOf(ct);
  if (type && type !== 'application/dicom') {
    throw new DomainError(
      'unsupported_media_type',
      `only type="application/dicom" parts are accepted (got type="${type}")`,
    );
  }
  const boundary = boundaryOf(ct);
  if (!boundary)
    throw new DomainError('validation', 'the multipart/related Content-Type has no boundary parameter');
  const pending: Promise<StoreResult>[] = [];
  /** Parts whose files are syncing, oldest first (at most SYNCS_IN_FLIGHT per request). */
  const syncing: Promise<void>[] = [];
  /** Settles once the last part read so far is in the group commit's queue (or was refused, or failed to sync). */
  let handedOver: Promise<void> = Promise.resolve();
  const now = (r: StoreResult) => void pending.push(Promise.resolve(r));
  let index = 0;
  let cut: unknown = null;
  const arrivals: Arrival[] = [];
  /** A part is announced as soon as it begins, so a batch ready while it streams in waits a moment for it. */
  const announce = () => {
    const a = expectInstance(db);
    arrivals.push(a);
    return a;
  };
  try {
    await readMultipart<Sink>(body, boundary, {
      start: async (headers) => ({
        writer: new TempWriter(store),
        arrival: announce(),
        contentType: (headers['content-type'] ?? 'application/dicom').toLowerCase(),
        tooLarge: false,
        index: ++index,
      }),
      write: async (s, chunk) => {
        if (s.tooLarge) return;
        if (s.writer.size + chunk.length > opts.maxInstanceBytes) {
          s.tooLarge = true;
          await s.writer.abort();
          return;
        }
        await s.writer.write(chunk);
      },
      end: async (s) => {
        if (s.tooLarge || !isDicom(s.contentType)) s.arrival.done();
        if (s.tooLarge) {
          now(
            rejected(
              `part ${s.index} is larger than the ${Math.round(opts.maxInstanceBytes / 1048576)} MiB limit per instance`,
              FAILURE.outOfResources,
            ),
          );
          return;
        }
        if (!isDicom(s.contentType)) {
          await s.writer.abort();
          now(
            rejected(
              `part ${s.index} has Content-Type ${s.contentType}; only application/dicom parts are accepted`,
            ),
          );
          return;
        }
        // The next part is read while this one's file syncs; it goes to the group commit once durable. A request
        // keeps a few syncs on their way at once, not one per part of a large study (the thread pool is shared).
        const { sha256, durable: synced } = s.writer.seal();
        const durable = timedSync(db, synced);
        const file = { tempPath: s.writer.path, sha256, size: s.writer.size, held: s.writer.held };
        // Handed over in the order of the parts, whichever sync or scan ends first: a part goes into the group
        // commit's queue only after the part before it (or its refusal), so within a request the earlier part
        // speaks first (a later part that conflicts with it is the one refused).
        let done!: () => void;
        const turn = handedOver.then(() => durable);
        handedOver = new Promise<void>((r) => (done = r));
        pending.push(
          turn.then(
            () =>
              storeInstance(db, store, actor, file, {
                expectStudyUid: opts.expectStudyUid,
                arrival: s.arrival,
                handedOver: done,
              }),
            async (e: unknown) => {
              done();
              await s.writer.abort();
              throw e;
            },
          ),
        );
        syncing.push(durable);
        while (syncing.length > SYNCS_IN_FLIGHT) await syncing.shift()!.catch(() => undefined);
      },
      abort: async (s) => s.writer.abort(),
    });
  } catch (e) {
    cut = e;
  }
  // Every part handed over is settled before the request is answered (or fails): nothing is left in flight.
  const settled = await Promise.allSettled(pending);
  // A part the body ended inside (or whose file could not be finished) is no longer on its way.
  for (const a of arrivals) a.done();
  const crashed = settled.find((x) => x.status === 'rejected');
  if (crashed) throw crashed.reason;
  const results = settled.map((x) => (x as PromiseFulfilledResult<StoreResult>).value);
  if (cut) {
    if (!(cut instanceof MultipartError)) throw cut;
    if (results.length === 0)
      throw new DomainError('validation', `malformed multipart/related body: ${cut.message}`);
    results.push(rejected(`the request body was cut short after part ${results.length}: ${cut.message}`));
  }
  if (results.length === 0) throw new DomainError('validation', 'the request contains no DICOM parts');
  return results;
}

/** PS3.18 store response: 200 all stored, 202 some failed, 409 none stored. */
export function stowResponse(results: StoreResult[], base: string): { status: number; body: JsonDataSet } {
  const ok = results.filter((r) => r.status === 'stored' || r.status === 'already_stored');
  const bad = results.filter((r) => r.status === 'conflict' || r.status === 'rejected');
  const studies = new Set(ok.map((r) => r.studyUid));
  const body: JsonDataSet = {};
  if (studies.size === 1) body['00081190'] = str('UR', `${base}/studies/${[...studies][0]}`);
  if (ok.length) {
    body['00081199'] = {
      vr: 'SQ',
      Value: ok.map((r) => ({
        '00081150': str('UI', r.sopClassUid),
        '00081155': str('UI', r.sopInstanceUid),
        '00081190': str(
          'UR',
          `${base}/studies/${r.studyUid}/series/${r.seriesUid}/instances/${r.sopInstanceUid}`,
        ),
      })),
    };
  }
  if (bad.length) {
    body['00081198'] = {
      vr: 'SQ',
      Value: bad.map((r) => ({
        ...(r.sopClassUid ? { '00081150': str('UI', r.sopClassUid) } : {}),
        ...(r.sopInstanceUid ? { '00081155': str('UI', r.sopInstanceUid) } : {}),
        '00081197': num('US', r.failureCode ?? FAILURE.processing),
        // Error Comment (0000,0902): the human-readable reason, so uploaders see what to fix.
        '00000902': str('LO', r.reason ?? ''),
      })),
    };
  }
  const status = bad.length === 0 ? 200 : ok.length === 0 ? 409 : 202;
  return { status, body };
}
