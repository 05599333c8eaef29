/**
 * Specific Character Set (0008,0005) → TextDecoder label. Single-byte and multi-byte sets the corpus and
 * Chinese sites use (GB18030, GBK, ISO_IR 192 = UTF-8). ISO 2022 code extensions are decoded by their first
 * non-ASCII term; escape sequences of Japanese sets are handled by the iso-2022-jp decoder.
 */
const LABELS: Record<string, string> = {
  '': 'windows-1252',
  ISO_IR_6: 'windows-1252',
  ISO_IR_100: 'windows-1252',
  ISO_IR_101: 'iso-8859-2',
  ISO_IR_109: 'iso-8859-3',
  ISO_IR_110: 'iso-8859-4',
  ISO_IR_144: 'iso-8859-5',
  ISO_IR_127: 'iso-8859-6',
  ISO_IR_126: 'iso-8859-7',
  ISO_IR_138: 'iso-8859-8',
  ISO_IR_148: 'iso-8859-9',
  ISO_IR_203: 'iso-8859-15',
  ISO_IR_13: 'shift_jis',
  ISO_IR_166: 'windows-874',
  ISO_IR_192: 'utf-8',
  GB18030: 'gb18030',
  GBK: 'gbk',
  ISO_2022_IR_6: 'windows-1252',
  ISO_2022_IR_100: 'windows-1252',
  ISO_2022_IR_101: 'iso-8859-2',
  ISO_2022_IR_144: 'iso-8859-5',
  ISO_2022_IR_127: 'iso-8859-6',
  ISO_2022_IR_126: 'iso-8859-7',
  ISO_2022_IR_138: 'iso-8859-8',
  ISO_2022_IR_148: 'iso-8859-9',
  ISO_2022_IR_13: 'shift_jis',
  ISO_2022_IR_87: 'iso-2022-jp',
  ISO_2022_IR_159: 'iso-2022-jp',
  ISO_2022_IR_149: 'euc-kr',
  ISO_2022_IR_58: 'gb18030',
  ISO_2022_IR_166: 'windows-874',
};

import { TextDecoder } from 'node:util';

const decoders = new Map<string, InstanceType<typeof TextDecoder>>();

/** The TextDecoder for a (possibly multi-valued) Specific Character Set value. */
export function decoderFor(specificCharacterSet: string | undefined): InstanceType<typeof TextDecoder> {
  const terms = (specificCharacterSet ?? '').split('\\').map((t) => t.trim().replace(/[ -]/g, '_'));
  // A multi-valued set starts with the default repertoire (often empty); the first other term decides.
  const term = terms.find((t) => t && t !== 'ISO_2022_IR_6') ?? terms[0] ?? '';
  const label = LABELS[term] ?? 'windows-1252';
  let d = decoders.get(label);
  if (!d) {
    d = new TextDecoder(label);
    decoders.set(label, d);
  }
  return d;
}

/** Decode bytes of a text element; strips trailing NUL/space padding. */
export function decodeText(bytes: Uint8Array, specificCharacterSet: string | undefined): string {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0 || bytes[end - 1] === 0x20)) end--;
  const slice = bytes.subarray(0, end);
  // EUC-KR inside ISO 2022 carries ESC $ ) C designators; drop them before decoding.
  const clean =
    slice.includes(0x1b) && !/iso-2022/.test(decoderFor(specificCharacterSet).encoding)
      ? slice.filter((_b, i) => !isEscape(slice, i))
      : slice;
  return decoderFor(specificCharacterSet).decode(clean);
}

/** True for the bytes of an ISO 2022 escape sequence (ESC + 2..3 intermediate/final bytes). */
function isEscape(b: Uint8Array, i: number): boolean {
  for (let k = Math.max(0, i - 3); k <= i; k++) {
    if (b[k] === 0x1b) {
      const len = b[k + 1] === 0x24 && (b[k + 2] === 0x28 || b[k + 2] === 0x29) ? 4 : 3;
      return i < k + len;
    }
  }
  return false;
}
