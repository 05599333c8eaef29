/**
 * Fonts parsed once per process (per worker thread). pdfkit calls `fontkit.create(bytes, face)` for every document
 * that uses a registered font, and parsing the Noto CJK collections (~20 MB, tens of thousands of glyphs) is most
 * of a report's rendering time. pdfkit accepts only bytes or a path, so fontkit's `create` is wrapped: for the font
 * buffers registered here it returns the fontkit font parsed the first time. Each document still makes its own
 * subset (EmbeddedFont → font.createSubset()), so documents never share mutable PDF state; the shared fontkit font
 * is only read (its glyph and layout caches grow, which is what makes the next document faster). pdfkit is loaded
 * from node_modules in every build (infra/build.mjs keeps npm dependencies external), always its CommonJS entry, so
 * the `fontkit` module it requires is the one patched here.
 */
import { createRequire } from 'node:module';

type Create = (bytes: Uint8Array, face?: string) => unknown;
const fromPdfkit = createRequire(createRequire(import.meta.url).resolve('pdfkit'));
const fontkit = fromPdfkit('fontkit') as { create: Create };

const parsed = new WeakMap<Uint8Array, Map<string, unknown>>();
const cacheable = new WeakSet<Uint8Array>();
let parses = 0;
let installed = false;
let active = false;

function install(): void {
  if (installed) return;
  installed = true;
  const original: Create = fontkit.create;
  const create: Create = (bytes, face) => {
    if (!cacheable.has(bytes)) return original(bytes, face);
    let faces = parsed.get(bytes);
    if (!faces) parsed.set(bytes, (faces = new Map()));
    const key = face ?? '';
    let font = faces.get(key);
    if (!font) {
      parses++;
      faces.set(key, (font = original(bytes, face)));
    }
    return font;
  };
  try {
    Object.defineProperty(fontkit, 'create', {
      value: create,
      configurable: true,
      enumerable: true,
      writable: true,
    });
    active = true;
  } catch {
    // A module system that freezes fontkit's exports (e.g. a test runner's ESM interop): documents parse their
    // fonts each time, as before; nothing else changes.
  }
}

/** Whether documents in this thread share parsed fonts (false when fontkit's exports could not be wrapped). */
export const fontCacheActive = (): boolean => active;

/** Mark a font file's bytes (kept for the process's life) so pdfkit's documents share one parse of each face. */
export function parseOnce<T extends Uint8Array>(bytes: T): T {
  install();
  cacheable.add(bytes);
  return bytes;
}

/** How many times a registered face was actually parsed in this thread (tests, bench). */
export const fontParses = (): number => parses;
