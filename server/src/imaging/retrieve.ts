/**
 * WADO-RS retrieve with transfer-syntax negotiation (PS3.18 §8.7.3): instances as stored or transcoded to
 * Explicit VR Little Endian, frames passed through in their compressed media type or decoded to native pixels.
 * Anything else answers 406 naming the representations available.
 */
import type { DataSet } from 'dicom-parser';
import { badRequest } from '../errors';
import { decodeCompressed, TS } from './codecs';
import {
  chooseFrames,
  chooseInstance,
  EXPLICIT_LE,
  frameOffers,
  instanceOffers,
  NATIVE_TS,
  notAcceptable,
  type MediaRange,
} from './negotiate';
import type { InstanceRow } from './queries';
import type { BlobStore } from './storage';
import { decodable, toExplicitLittle, TranscodeError } from './transcode';
import { loadDataSet, type Part } from './wado';
import { headerOf, readFrame } from './frames';

const canDecode = (r: InstanceRow) => decodable(r.transfer_syntax_uid, r.bits_allocated ?? 0);

/** The parts of a WADO-RS instance/series/study retrieve, in the representation the Accept header asks for. */
export async function instanceParts(
  store: BlobStore,
  rows: InstanceRow[],
  ranges: MediaRange[],
  location: (r: InstanceRow) => string,
): Promise<Part[]> {
  const parts: Part[] = [];
  for (const r of rows) {
    const choice = chooseInstance(ranges, r.transfer_syntax_uid, canDecode(r));
    if (!choice)
      throw notAcceptable(
        `instance ${r.sop_uid} (stored as ${r.transfer_syntax_uid})`,
        instanceOffers(r.transfer_syntax_uid, canDecode(r)),
      );
    const contentType = `application/dicom; transfer-syntax=${choice.ts}`;
    if (!choice.transcode) {
      parts.push({ contentType, sha256: r.sha256, location: location(r) });
      continue;
    }
    const produce = async () => {
      try {
        return await toExplicitLittle(await loadDataSet(store, r.sha256), r.transfer_syntax_uid);
      } catch (err) {
        if (err instanceof TranscodeError)
          throw badRequest(`instance ${r.sop_uid} cannot be transcoded: ${err.message}`);
        throw err;
      }
    };
    // A single instance is transcoded before the answer starts, so a failure is still a clean 4xx.
    parts.push(
      rows.length === 1
        ? { contentType, bytes: await produce(), location: location(r) }
        : { contentType, produce, location: location(r) },
    );
  }
  return parts;
}

/** Native frame bytes from Big Endian storage: 16/32-bit words swapped to little endian (OB data as it is). */
function littleEndian(ds: DataSet, bytes: Uint8Array): Uint8Array {
  const el = ds.elements.x7fe00010;
  const bits = ds.uint16('x00280100') ?? 16;
  if (el?.vr === 'OB') return bytes;
  const unit = bits === 32 ? 4 : 2;
  const out = Buffer.from(bytes);
  for (let i = 0; i + unit <= out.length; i += unit) out.subarray(i, i + unit).reverse();
  return out;
}

/** The parts of a WADO-RS frames retrieve (`list`: "1,3,5"). */
export async function frameParts(
  store: BlobStore,
  r: InstanceRow,
  list: string,
  ranges: MediaRange[],
): Promise<Part[]> {
  const stored = r.transfer_syntax_uid;
  const choice = chooseFrames(ranges, stored, canDecode(r));
  if (!choice)
    throw notAcceptable(`frames of ${r.sop_uid} (stored as ${stored})`, frameOffers(stored, canDecode(r)));
  const native = NATIVE_TS.has(stored);
  // Each frame by range through the frame index (frames.ts), never the whole blob.
  const frames: { contentType: string; bytes: Uint8Array }[] = [];
  for (const n of list.split(',')) frames.push(await readFrame(store, r, Number(n)));
  if (!choice.decode) {
    // Implicit VR and deflated storage hold the same little-endian pixel bytes as Explicit VR Little Endian.
    return choice.ts === EXPLICIT_LE && native
      ? frames.map((p) => ({ ...p, contentType: `application/octet-stream; transfer-syntax=${EXPLICIT_LE}` }))
      : frames;
  }
  const ds = await headerOf(store, r);
  const g = {
    rows: ds.uint16('x00280010') ?? 0,
    cols: ds.uint16('x00280011') ?? 0,
    samplesPerPixel: ds.uint16('x00280002') ?? 1,
    bitsAllocated: ds.uint16('x00280100') ?? 16,
    signed: (ds.uint16('x00280103') ?? 0) === 1,
  };
  const parts: Part[] = [];
  for (const [i, frame] of frames.entries()) {
    const n = list.split(',')[i];
    const { bytes } = frame;
    let out: Uint8Array;
    if (stored === TS.explicitBE) out = littleEndian(ds, bytes);
    else {
      let samples;
      try {
        samples = await decodeCompressed(stored, bytes, g);
      } catch (err) {
        throw badRequest(`frame ${n} could not be decoded: ${(err as Error).message}`);
      }
      if (!samples) throw notAcceptable(`frames of ${r.sop_uid}`, frameOffers(stored, false));
      out = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
    }
    parts.push({ contentType: `application/octet-stream; transfer-syntax=${EXPLICIT_LE}`, bytes: out });
  }
  return parts;
}
