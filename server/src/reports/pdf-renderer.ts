/**
 * Renders report PDFs in one worker thread: subsetting the CJK font takes about a second of CPU per report, which
 * must not stall every other request and socket. If the worker cannot start or dies, rendering falls back to the
 * calling thread (same output, just blocking).
 */
import { Worker } from 'node:worker_threads';
import type { ReportDocument } from './document';
import type { PdfJob, PdfResult } from './pdf-worker';

export class PdfRenderer {
  #worker: Worker | null = null;
  #broken = false;
  #closed = false;
  #next = 1;
  #pending = new Map<number, { resolve(b: Buffer): void; reject(e: Error): void }>();

  #start(): Worker | null {
    if (this.#broken || this.#closed) return null;
    if (this.#worker) return this.#worker;
    try {
      // The worker is TypeScript: its .mjs entry registers tsx in the thread first.
      const w = new Worker(new URL('./pdf-worker-entry.mjs', import.meta.url));
      w.unref();
      w.on('message', (m: PdfResult) => {
        const p = this.#pending.get(m.id);
        if (!p) return;
        this.#pending.delete(m.id);
        if (m.ok) {
          this.workerFontParses = m.fontParses;
          p.resolve(Buffer.from(m.pdf.buffer, m.pdf.byteOffset, m.pdf.byteLength));
        } else p.reject(new Error(m.message));
      });
      const fail = (e: Error) => {
        this.#broken = true;
        this.#worker = null;
        for (const p of this.#pending.values()) p.reject(e);
        this.#pending.clear();
      };
      w.on('error', fail);
      w.on('exit', (code) => {
        if (!this.#closed) fail(new Error(`PDF worker exited (${code})`));
      });
      this.#worker = w;
      return w;
    } catch {
      this.#broken = true;
      return null;
    }
  }

  /** How many font faces the worker has parsed so far (font-cache.ts: once per face and thread). */
  workerFontParses = 0;

  /** Where the last report was rendered. */
  lastRenderedIn: 'worker' | 'inline' | null = null;

  async render(doc: ReportDocument, lang: 'zh-CN' | 'en'): Promise<Buffer> {
    const w = this.#start();
    if (!w) return this.#inline(doc, lang);
    const id = this.#next++;
    try {
      const pdf = await new Promise<Buffer>((resolve, reject) => {
        this.#pending.set(id, { resolve, reject });
        w.postMessage({ id, doc, lang } satisfies PdfJob);
      });
      this.lastRenderedIn = 'worker';
      return pdf;
    } catch {
      // The worker failed (e.g. could not load): render here instead.
      return this.#inline(doc, lang);
    }
  }

  async #inline(doc: ReportDocument, lang: 'zh-CN' | 'en'): Promise<Buffer> {
    // Imported here, not at start: pdfkit and its fonts stay out of the server's memory unless the worker fails.
    const { renderReportPdf } = await import('./pdf');
    const pdf = await renderReportPdf(doc, lang);
    this.lastRenderedIn = 'inline';
    return pdf;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const w = this.#worker;
    this.#worker = null;
    if (w) await w.terminate();
  }
}
