/** Worker thread: renders report PDFs off the server's event loop (see pdf-renderer.ts). */
import { parentPort } from 'node:worker_threads';
import type { ReportDocument } from './document';
import { fontParses } from './font-cache';
import { renderReportPdf } from './pdf';

export interface PdfJob {
  id: number;
  doc: ReportDocument;
  lang: 'zh-CN' | 'en';
}
export type PdfResult =
  { id: number; ok: true; pdf: Uint8Array; fontParses: number } | { id: number; ok: false; message: string };

parentPort!.on('message', (job: PdfJob) => {
  renderReportPdf(job.doc, job.lang).then(
    (pdf) =>
      parentPort!.postMessage({ id: job.id, ok: true, pdf, fontParses: fontParses() } satisfies PdfResult),
    (e: unknown) =>
      parentPort!.postMessage({
        id: job.id,
        ok: false,
        message: e instanceof Error ? e.message : String(e),
      } satisfies PdfResult),
  );
});
