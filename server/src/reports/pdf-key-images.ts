/**
 * Key images in the printed report: the rendered frame, fitted in a box, with the key image's marks drawn over it
 * as vectors (numbered, so the legend under the picture says which measurement is which).
 */
import type { KeyImageMark, KeyImagePicture } from './key-image-pictures';

const MARK_COLOUR = '#ffd60a';
const BOX = { width: 250, height: 250 };

function drawMark(pdf: PDFKit.PDFDocument, m: KeyImageMark, n: number, scale: number, stroke: number): void {
  const p = m.points;
  if (p.length === 0) return;
  pdf.lineWidth(stroke).strokeColor(MARK_COLOUR).fillColor(MARK_COLOUR);
  switch (m.shape) {
    case 'line':
    case 'polygon':
      pdf.moveTo(p[0]!.x, p[0]!.y);
      for (const q of p.slice(1)) pdf.lineTo(q.x, q.y);
      pdf.stroke();
      break;
    case 'ellipse': {
      // Points are the ends of the two axes: left, right, top, bottom.
      const [l, r, top, bottom] = p;
      if (!l || !r || !top || !bottom) break;
      pdf.ellipse(
        (l.x + r.x) / 2,
        (top.y + bottom.y) / 2,
        Math.abs(r.x - l.x) / 2,
        Math.abs(bottom.y - top.y) / 2,
      );
      pdf.stroke();
      break;
    }
    case 'point':
      pdf.circle(p[0]!.x, p[0]!.y, 3 / scale).fill();
      break;
    case 'arrow': {
      const [from, tip] = [p[0]!, p[1] ?? p[0]!];
      const angle = Math.atan2(tip.y - from.y, tip.x - from.x);
      const head = 8 / scale;
      pdf.moveTo(from.x, from.y).lineTo(tip.x, tip.y).stroke();
      pdf
        .moveTo(tip.x, tip.y)
        .lineTo(tip.x - head * Math.cos(angle - 0.4), tip.y - head * Math.sin(angle - 0.4))
        .lineTo(tip.x - head * Math.cos(angle + 0.4), tip.y - head * Math.sin(angle + 0.4))
        .closePath()
        .fill();
      break;
    }
  }
  // The mark's number next to its first point.
  pdf
    .font('bold')
    .fontSize(9 / scale)
    .text(String(n), p[0]!.x + 4 / scale, p[0]!.y - 12 / scale, { lineBreak: false });
}

/**
 * Draw one key image at the current position (a new page first when it does not fit) and move below it.
 * `caption` heads it; the legend lists the numbered marks' measurements.
 */
export function drawKeyImage(
  pdf: PDFKit.PDFDocument,
  pic: KeyImagePicture,
  caption: string,
  notRendered: (why: string) => string,
): void {
  const left = pdf.page.margins.left;
  if (!pic.image) {
    pdf.font('body').fontSize(10.5).fillColor('black').text(caption);
    pdf
      .fontSize(9)
      .fillColor('#666666')
      .text(notRendered(pic.note ?? ''));
    pdf.fillColor('black').fontSize(10.5);
    return;
  }
  const { width, height } = pic.image;
  const scale = Math.min(BOX.width / width, BOX.height / height);
  const [w, h] = [width * scale, height * scale];
  const legendLines = pic.marks.filter((m) => m.label).length;
  const needed = 16 + h + 6 + legendLines * 13;
  if (pdf.y + needed > pdf.page.height - pdf.page.margins.bottom) pdf.addPage();
  pdf.font('body').fontSize(10.5).fillColor('black').text(caption, left);
  const top = pdf.y + 2;
  pdf.image(Buffer.from(pic.image.bytes), left, top, { width: w, height: h });
  pdf.save();
  pdf.rect(left, top, w, h).clip();
  pdf.translate(left, top).scale(scale);
  pic.marks.forEach((m, i) => drawMark(pdf, m, i + 1, scale, 1.5 / scale));
  pdf.restore();
  pdf.rect(left, top, w, h).lineWidth(0.5).strokeColor('#999999').stroke();
  pdf.x = left;
  pdf.y = top + h + 4;
  pdf.font('body').fontSize(9).fillColor('black');
  pic.marks.forEach((m, i) => {
    if (m.label) pdf.text(`${i + 1}. ${m.label}`, left);
  });
  pdf.fontSize(10.5).moveDown(0.4);
}
