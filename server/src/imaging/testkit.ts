/** Test and benchmark helpers for imaging: the shared corpus and multipart bodies. Not used by the app. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Session, TestApp } from '../testing/harness';

/**
 * `../shared/dicom-corpus` relative to the repository root (read-only; never copied into the repo); from a git
 * worktree nested one level deeper, the nearest ancestor holding `shared/dicom-corpus`.
 */
export const CORPUS = (() => {
  let dir = path.resolve(import.meta.dirname, '../../..', '..');
  for (let i = 0; i < 4; i++, dir = path.dirname(dir)) {
    const p = path.join(dir, 'shared/dicom-corpus');
    if (fs.existsSync(path.join(p, 'MANIFEST.tsv'))) return p;
  }
  return path.resolve(import.meta.dirname, '../../..', '../shared/dicom-corpus');
})();

export interface CorpusFile {
  path: string;
  abs: string;
  bytes: number;
  modality: string;
  transferSyntax: string;
}

export function corpusFiles(): CorpusFile[] {
  const lines = fs.readFileSync(path.join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => {
    const c = l.split('\t');
    return {
      path: c[0]!,
      abs: path.join(CORPUS, c[0]!),
      bytes: Number(c[1]),
      modality: c[2] ?? '',
      transferSyntax: c[4] ?? '',
    };
  });
}

export const CT_SERIES = () =>
  corpusFiles()
    .filter((f) => f.path.startsWith('generated/ct_series/'))
    .sort((a, b) => Number(/(\d+)\.dcm$/.exec(a.path)?.[1]) - Number(/(\d+)\.dcm$/.exec(b.path)?.[1]));

/** A multipart/related; type="application/dicom" body from file contents. */
export function stowBody(files: Uint8Array[], boundary = `b-${crypto.randomBytes(6).toString('hex')}`) {
  const chunks: Buffer[] = [];
  for (const f of files) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
      Buffer.from(f),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    body: Buffer.concat(chunks),
    contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`,
  };
}

/** STOW-RS the files to the test app as `who` (one multipart/related request). */
export function stowAs(t: TestApp, who: Session, files: Uint8Array[]) {
  const { body, contentType } = stowBody(files);
  return t.as(who, {
    method: 'POST',
    url: '/dicomweb/studies',
    headers: { 'content-type': contentType },
    payload: body,
  });
}

/** Split a multipart/related response into its parts' bodies. */
export function splitMultipart(body: Buffer, contentType: string): { headers: string; body: Buffer }[] {
  const m = /boundary=("?)([^";]+)\1/.exec(contentType);
  if (!m) throw new Error(`no boundary in ${contentType}`);
  const delim = Buffer.from(`--${m[2]}`);
  const out: { headers: string; body: Buffer }[] = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const after = pos + delim.length;
    if (body[after] === 0x2d && body[after + 1] === 0x2d) break;
    const hdrEnd = body.indexOf('\r\n\r\n', after);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), hdrEnd);
    out.push({
      headers: body.subarray(after + 2, hdrEnd).toString('latin1'),
      body: body.subarray(hdrEnd + 4, next),
    });
    pos = next + 2;
  }
  return out;
}
