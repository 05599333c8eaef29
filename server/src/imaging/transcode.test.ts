/**
 * Transcoding to Explicit VR Little Endian, checked against independent tools: dcmtk reads every output without
 * complaint, native sources give the same pixel bytes as dcmtk's own `dcmconv +te`, and every lossless compressed
 * variant of one image decodes to exactly the pixels of its uncompressed original.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataSet, text } from './dicom';
import { CORPUS } from './testkit';
import { decodable, toExplicitLittle, TranscodeError } from './transcode';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'transcode-'));
const corpus = (p: string) => path.join(CORPUS, p);

function pixels(bytes: Uint8Array): Buffer {
  const ds = parseDataSet(bytes);
  const el = ds.elements.x7fe00010!;
  return Buffer.from(ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length));
}

async function transcode(file: string): Promise<Buffer> {
  const ds = parseDataSet(fs.readFileSync(corpus(file)));
  const out = await toExplicitLittle(ds, text(ds, 'x00020010'));
  const parsed = parseDataSet(out);
  expect(text(parsed, 'x00020010')).toBe(EXPLICIT_LE);
  // dcmtk parses it and reports nothing wrong (it writes warnings and errors to stderr).
  const target = path.join(tmp, path.basename(file));
  fs.writeFileSync(target, out);
  const dump = execFileSync('dcmdump', ['-q', target], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  expect(dump).toContain('PixelData');
  return out;
}

describe('transcoding to Explicit VR Little Endian', () => {
  it('keeps the pixel bytes of native sources as dcmtk converts them (implicit, big endian, deflated)', async () => {
    for (const file of [
      'generated/ts/implicit_le.dcm',
      'generated/ts/explicit_be.dcm',
      'generated/ts/deflate.dcm',
      'deb-pydicom/test_files/MR_small_bigendian.dcm',
      'deb-pydicom/test_files/rtdose_expb.dcm',
      'deb-pydicom/test_files/ExplVR_BigEnd.dcm',
    ]) {
      const ours = await transcode(file);
      const theirs = path.join(tmp, `dcmconv-${path.basename(file)}`);
      execFileSync('dcmconv', ['+te', corpus(file), theirs]);
      expect(Buffer.compare(pixels(ours), pixels(fs.readFileSync(theirs))), file).toBe(0);
      // Patient and study attributes survive unchanged.
      const a = parseDataSet(ours);
      const b = parseDataSet(fs.readFileSync(theirs));
      for (const tag of ['x00100010', 'x0020000d', 'x00080018', 'x00280010', 'x00281050'])
        expect(text(a, tag), `${file} ${tag}`).toBe(text(b, tag));
    }
  });

  it('decodes every lossless compressed variant to exactly the original pixels', async () => {
    const sets: [string, string[]][] = [
      [
        'generated/ts/implicit_le.dcm',
        [
          'rle',
          'gdcm_rle',
          'j2k_lossless',
          'jpegls_lossless',
          'gdcm_jpegls',
          'jpeg_lossless_p14',
          'jpeg_lossless_sv1',
        ].map((n) => `generated/ts/${n}.dcm`),
      ],
      [
        'deb-pydicom/test_files/MR_small_implicit.dcm',
        ['MR_small_RLE', 'MR_small_jp2klossless', 'MR_small_jpeg_ls_lossless'].map(
          (n) => `deb-pydicom/test_files/${n}.dcm`,
        ),
      ],
    ];
    for (const [original, variants] of sets) {
      const want = pixels(fs.readFileSync(corpus(original)));
      for (const v of variants) expect(Buffer.compare(pixels(await transcode(v)), want), v).toBe(0);
    }
  });

  it('writes decoded colour as interleaved RGB that dcmtk agrees with', async () => {
    const out = parseDataSet(await transcode('deb-pydicom/test_files/SC_rgb_rle.dcm'));
    expect(text(out, 'x00280004')).toBe('RGB');
    expect(out.uint16('x00280006')).toBe(0);
    const theirs = path.join(tmp, 'dcmdrle.dcm');
    execFileSync('dcmdrle', [corpus('deb-pydicom/test_files/SC_rgb_rle.dcm'), theirs]);
    const el = out.elements.x7fe00010!;
    const ours = Buffer.from(out.byteArray.subarray(el.dataOffset, el.dataOffset + el.length));
    // dcmtk keeps RLE's colour-by-plane order (Planar Configuration 1): interleave it to compare.
    const planes = pixels(fs.readFileSync(theirs));
    const byPlane = parseDataSet(fs.readFileSync(theirs)).uint16('x00280006') === 1;
    const n = planes.length / 3;
    const interleaved = byPlane
      ? Buffer.from(
          Array.from({ length: planes.length }, (_x, i) => planes[(i % 3) * n + Math.floor(i / 3)]!),
        )
      : planes;
    expect(Buffer.compare(ours, interleaved)).toBe(0);
    // YCbCr JPEG is decoded to RGB and says so.
    const ybr = parseDataSet(await transcode('deb-pydicom/test_files/SC_rgb_dcmtk_+eb+cy+np.dcm'));
    expect(text(ybr, 'x00280004')).toBe('RGB');
  });

  it('keeps sequences, private and UN-encoded elements readable', async () => {
    for (const file of [
      'deb-pydicom/test_files/priv_SQ.dcm',
      'deb-pydicom/test_files/rtplan.dcm',
      'deb-pydicom/test_files/UN_sequence.dcm',
    ]) {
      const ds = parseDataSet(fs.readFileSync(corpus(file)));
      const out = await toExplicitLittle(ds, text(ds, 'x00020010'));
      const target = path.join(tmp, path.basename(file));
      fs.writeFileSync(target, out);
      expect(() => execFileSync('dcmdump', ['-q', '-E', target], { stdio: 'pipe' }), file).not.toThrow();
    }
  });

  it('refuses what no decoder here handles, naming why', async () => {
    expect(decodable('1.2.840.10008.1.2.4.51', 16)).toBe(false);
    expect(decodable('1.2.840.10008.1.2.4.90', 16)).toBe(true);
    const ds = parseDataSet(fs.readFileSync(corpus('generated/ts/jpeg_extended.dcm')));
    await expect(toExplicitLittle(ds, '1.2.840.10008.1.2.4.51')).rejects.toThrow(TranscodeError);
    // A truncated file stops with a reason, not a crash.
    const cut = fs.readFileSync(corpus('generated/ts/implicit_le.dcm')).subarray(0, 600);
    await expect(toExplicitLittle(parseDataSet(cut, 'x7fe00010'), '1.2.840.10008.1.2')).rejects.toThrow(
      /ends inside an element/,
    );
  });
});
