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
const fontkitPath = fromPdfkit.resolve('fontkit');
const pdfkitPath = createRequire(import.meta.url).resolve('pdfkit');

const parsed = new WeakMap<Uint8Array, Map<string, unknown>>();
const cacheable = new WeakSet<Uint8Array>();
let parses = 0;
let active = false;

function wrap(original: Create): Create {
  return (bytes, face) => {
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
}

/**
 * Installed when this module is evaluated, before pdfkit is loaded (pdf.ts takes pdfkit from here). fontkit's CommonJS exports are non-configurable getters, so `create` cannot be redefined on them:
 * the module cache's entry for fontkit gets a plain copy of its exports with `create` wrapped, and pdfkit's
 * `require('fontkit')` then receives that copy. If pdfkit was loaded already (it holds the original exports), the
 * wrapper is tried in place; when neither works, documents parse their fonts each time, as before.
 */
function install(): void {
  const fontkit = fromPdfkit('fontkit') as { create: Create };
  const entry = fromPdfkit.cache[fontkitPath];
  if (!fromPdfkit.cache[pdfkitPath] && entry) {
    entry.exports = { ...fontkit, create: wrap(fontkit.create.bind(fontkit)) };
    active = true;
    return;
  }
  try {
    Object.defineProperty(fontkit, 'create', {
      value: wrap(fontkit.create),
      configurable: true,
      enumerable: true,
      writable: true,
    });
    active = true;
  } catch {
    // pdfkit holds fontkit's frozen exports: no sharing in this thread.
  }
}
install();

/**
 * pdfkit, required after the install above (an `import` of pdfkit would be evaluated before this module's body: the
 * ESM loader runs CommonJS dependencies first), so its `require('fontkit')` receives the wrapped copy.
 */
export const PDFDocument = createRequire(import.meta.url)('pdfkit') as typeof import('pdfkit');

/** Whether documents in this thread share parsed fonts (false when fontkit's exports could not be wrapped). */
export const fontCacheActive = (): boolean => active;

/** Mark a font file's bytes (kept for the process's life) so pdfkit's documents share one parse of each face. */
export function parseOnce<T extends Uint8Array>(bytes: T): T {
  cacheable.add(bytes);
  return bytes;
}

/** How many times a registered face was actually parsed in this thread (tests, bench). */
export const fontParses = (): number => parses;
