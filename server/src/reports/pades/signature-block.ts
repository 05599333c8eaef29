/**
 * The visible signature of the printed report: a framed block (signer, hospital, signing time, trusted time,
 * certificate subject) and over it the PDF signature field whose placeholder sign-pdf.ts fills after rendering.
 * Runs inside the PDF renderer (worker thread), so it takes only plain data.
 */
import { pdfkitAddPlaceholder } from '@signpdf/placeholder-pdfkit';
import { SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils';
import { SIGNATURE_PLACEHOLDER_BYTES } from './sign-pdf';

/** What the block prints besides the signed payload; part of the PDF's input hash (pdf-store.ts). */
export interface PdfSignatureInfo {
  /** Subject of the certificate that signs the PDF. */
  certificateSubject: string;
  /**
   * The RFC 3161 state of the report signature this PDF shows; 'embedded': a PDF signed with the doctor's key at
   * signing time, whose own signature-time-stamp (in the CMS) is the trusted time.
   */
  timestamp: 'granted' | 'pending' | 'failed' | 'none' | 'embedded';
  /** The TSA's time (ISO UTC) when granted. */
  trustedTime: string | null;
  /**
   * The report's own signature when its key cannot sign the PDF (SM2, Ed25519: PDF readers cannot verify them),
   * so the deployment certificate signs the PDF: the block says so and names the doctor's certificate.
   */
  reportKey?: { algorithm: string; subject: string };
}

const L = {
  'zh-CN': {
    title: '电子签名',
    signer: '签署人',
    hospital: '医院',
    signedAt: '签署时间',
    trusted: '可信时间',
    tsa: '（RFC 3161 时间戳）',
    pending: '时间戳待获取',
    failed: '时间戳获取失败',
    none: '无可信时间戳',
    embedded: '本 PDF 签名内嵌的 RFC 3161 时间戳',
    subject: '证书主题',
    reportKey: (alg: string, subject: string) =>
      `报告签名：签署人的 ${alg} 个人密钥（${subject}）。PDF 阅读器无法验证 ${alg} 签名，故本 PDF 由平台证书签署`,
    reason: '远程诊断报告签署',
  },
  en: {
    title: 'Electronic signature',
    signer: 'Signer',
    hospital: 'Hospital',
    signedAt: 'Signed at',
    trusted: 'Trusted time',
    tsa: ' (RFC 3161 time-stamp)',
    pending: 'timestamp pending',
    failed: 'timestamp could not be obtained',
    none: 'no trusted timestamp',
    embedded: 'the RFC 3161 time-stamp embedded in this PDF signature',
    subject: 'Certificate subject',
    reportKey: (alg: string, subject: string) =>
      `Report signature: the signer's personal ${alg} key (${subject}). PDF readers cannot verify ${alg} signatures, so this PDF is signed with the platform certificate`,
    reason: 'Remote diagnosis report signature',
  },
};

export interface SignatureBlockInput {
  signerName: string;
  hospital: string;
  /** Already formatted in the report's time zone. */
  signedAt: string;
  trustedTime: string | null;
  info: PdfSignatureInfo;
  lang: 'zh-CN' | 'en';
}

/** Draw the block on the current page (a new page when it does not fit) and add the signature field over it. */
export function drawSignatureBlock(pdf: PDFKit.PDFDocument, b: SignatureBlockInput): void {
  const t = L[b.lang];
  const trusted =
    b.info.timestamp === 'granted' && b.trustedTime
      ? `${b.trustedTime}${t.tsa}`
      : b.info.timestamp === 'pending'
        ? t.pending
        : b.info.timestamp === 'failed'
          ? t.failed
          : b.info.timestamp === 'embedded'
            ? t.embedded
            : t.none;
  const lines = [
    `${t.signer}：${b.signerName}`,
    `${t.hospital}：${b.hospital}`,
    `${t.signedAt}：${b.signedAt}`,
    `${t.trusted}：${trusted}`,
    `${t.subject}：${b.info.certificateSubject}`,
    ...(b.info.reportKey ? [t.reportKey(b.info.reportKey.algorithm, b.info.reportKey.subject)] : []),
  ];
  const x = 50;
  const width = 495;
  const pad = 8;
  pdf.font('body').fontSize(9);
  const textHeight = lines.reduce((h, l) => h + pdf.heightOfString(l, { width: width - 2 * pad }), 0);
  const height = textHeight + 2 * pad + 16;
  pdf.moveDown(0.8);
  if (pdf.y + height > pdf.page.height - pdf.page.margins.bottom) pdf.addPage();
  const top = pdf.y;
  pdf.rect(x, top, width, height).lineWidth(0.8).strokeColor('#1d3557').stroke();
  pdf
    .font('bold')
    .fontSize(10)
    .fillColor('#1d3557')
    .text(t.title, x + pad, top + pad, { width: width - 2 * pad });
  pdf.font('body').fontSize(9).fillColor('black');
  for (const l of lines) pdf.text(l, x + pad, pdf.y, { width: width - 2 * pad });
  pdf.x = x;
  pdf.y = top + height;
  // PDF user space runs from the bottom of the page.
  const h = pdf.page.height;
  pdfkitAddPlaceholder({
    pdf,
    pdfBuffer: Buffer.alloc(0),
    reason: t.reason,
    contactInfo: '',
    name: b.signerName,
    location: b.hospital,
    signatureLength: SIGNATURE_PLACEHOLDER_BYTES,
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
    widgetRect: [x, h - (top + height), x + width, h - top],
    appName: 'ConsultPlatform', // a PDF name: no spaces
  });
}
