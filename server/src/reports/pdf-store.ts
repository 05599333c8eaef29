/**
 * The deployment-signed PDFs (a version signed with the doctor's own P-256 key has its PDFs signed at signing
 * instead, signed-pdf.ts). A signed report version's PDF is rendered once and then served from storage: the object
 * pdf/<report id>/<name> of the `reports` namespace of the platform storage (server/src/storage: written to a
 * temporary object, fsynced, renamed into place), so it is in backups with the DICOM blobs and shared by the nodes
 * that share STORAGE_DIR.
 *
 * The stored PDF is named by version, language and the SHA-256 of its rendering input: the
 * printed document (signed payload, report number, patient header, acknowledgement, linked studies, hospitals)
 * and PDF_LAYOUT_REVISION. When any of it changes the PDF is rendered again (and replaces the older file of that
 * version and language); otherwise a download is one file read. A new signed version is a new version number, hence a new PDF; the PDF of an
 * existing version changes only when what it prints changes.
 *
 * The key-image pictures are drawn from the signed content's key-image list (in the payload, hashed) over
 * content-addressed DICOM blobs (immutable) and the marks of the annotations it names: those annotations' ids and
 * versions are hashed too, so an edited mark renders the PDF again. Anything else the drawing comes to depend on
 * must join the hash (or bump PDF_LAYOUT_REVISION when the drawing itself changes).
 */
import crypto from 'node:crypto';
import type { Executor } from '../db/database';
import { openStore } from '../storage';
import type { ReportDocument } from './document';
import * as q from './queries';

/** Bump when the PDF's layout or drawing changes: every stored PDF renders again on its next download. */
export const PDF_LAYOUT_REVISION = 2;

export function pdfInputHash(doc: ReportDocument, lang: string, marks: unknown): string {
  const { keyImagePictures: _pictures, ...printed } = doc;
  return crypto
    .createHash('sha256')
    .update(JSON.stringify([PDF_LAYOUT_REVISION, lang, printed, marks]))
    .digest('hex');
}

/**
 * The stored PDF of this document, or `render()`'s result stored for the next download (concurrent first
 * downloads may both render; each renames a complete file into place, and both PDFs are of the same input).
 */
export async function storedPdf(
  db: Executor,
  storageDir: string,
  doc: ReportDocument,
  lang: string,
  render: () => Promise<Buffer>,
): Promise<{ pdf: Buffer; fromStore: boolean }> {
  const ids = doc.payload.content.keyImages.flatMap((k) => k.annotationIds);
  const hash = pdfInputHash(doc, lang, await q.annotationVersions(db, ids));
  const store = openStore(storageDir, 'reports');
  const dir = `pdf/${doc.reportId}`;
  const prefix = `v${doc.payload.version}-${lang}-`;
  const key = `${dir}/${prefix}${hash}.pdf`;
  try {
    return { pdf: await store.get(key), fromStore: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const pdf = await render();
  await store.put(key, pdf);
  // The older renderings of this version and language (another input) are superseded.
  for (const k of await store.list(dir))
    if (k.slice(dir.length + 1).startsWith(prefix) && k.endsWith('.pdf') && k !== key) await store.delete(k);
  return { pdf, fromStore: false };
}
