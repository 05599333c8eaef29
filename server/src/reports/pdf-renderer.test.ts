import { afterAll, describe, expect, it } from 'vitest';
import { PdfRenderer } from './pdf-renderer';
import { pdfText, sampleDocument } from './fixtures.test-helper';

const doc = sampleDocument();

describe('PDF renderer', () => {
  const r = new PdfRenderer();
  afterAll(() => r.close());

  it('renders in the worker thread, Chinese text intact, two reports in a row', async () => {
    for (let i = 0; i < 2; i++) {
      const pdf = await r.render(doc, 'zh-CN');
      expect(r.lastRenderedIn).toBe('worker');
      expect(pdfText(pdf)).toContain('前壁急性透壁性心肌梗死');
    }
  });
});
