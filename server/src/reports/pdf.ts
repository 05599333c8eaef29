/**
 * The printable report (A4): letterheads of both hospitals, patient, question, findings, diagnosis,
 * recommendations, key images (the frame rendered by the imaging capability with its marks and measurements, see
 * pdf-key-images.ts), signer, signature fingerprint and version. Chinese text is set in an embedded (subset) CJK font.
 */
import fs from 'node:fs';
// pdfkit comes from font-cache, loaded after fontkit's `create` is wrapped to share parsed fonts.
import { parseOnce, PDFDocument } from './font-cache';
import { localDateTime } from '@consult/shared';
import type { ReportDocument } from './document';
import { drawKeyImage } from './pdf-key-images';
import { drawSignatureBlock } from './pades/signature-block';

/** Debian's fonts-noto-cjk (infra/system-deps.sh); REPORT_CJK_FONT may point to another .ttc/.otf/.ttf. */
const FONT_CANDIDATES: { file: string; face?: string; bold?: { file: string; face?: string } }[] = [
  {
    file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
    face: 'NotoSansCJKsc-Regular',
    bold: { file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc', face: 'NotoSansCJKsc-Bold' },
  },
  { file: '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc', face: 'NotoSerifCJKsc-Regular' },
];

export function cjkFont(): { file: string; face?: string; bold?: { file: string; face?: string } } {
  const env = process.env.REPORT_CJK_FONT;
  if (env) {
    const [file, face] = env.split('#') as [string, string | undefined];
    if (!fs.existsSync(file)) throw new Error(`REPORT_CJK_FONT ${file} does not exist`);
    return face ? { file, face } : { file };
  }
  const found = FONT_CANDIDATES.find((c) => fs.existsSync(c.file));
  if (!found)
    throw new Error(
      'no CJK font found: install fonts-noto-cjk (infra/system-deps.sh) or set REPORT_CJK_FONT',
    );
  return found;
}

type Lang = 'zh-CN' | 'en';
const L = {
  'zh-CN': {
    title: '远程诊断报告',
    imageTitle: '远程影像诊断报告',
    requesting: '申请医院',
    consulting: '会诊医院',
    patient: '患者',
    sex: { male: '男', female: '女', unknown: '未知' } as Record<string, string>,
    born: '出生日期',
    age: (n: number) => `${n}岁`,
    nationalId: '身份证号',
    recordNumber: '病历号',
    reportNumber: '报告编号',
    zone: (z: string) => `（${z === 'Asia/Shanghai' ? '北京时间' : z}）`,
    poverty: '建档立卡贫困户',
    requester: '申请医生',
    question: '会诊问题',
    history: '病史摘要',
    findings: '所见',
    impression: '印象',
    diagnosis: '诊断',
    primary: '主要诊断',
    recommendations: '建议',
    plan: '诊疗方案',
    referral: '建议转诊至上级医院',
    followUp: (d: number) => `随访间隔：${d} 天`,
    keyImages: '关键图像',
    frame: '帧',
    notRendered: (why: string) => `（图像未能在服务器端生成：${why}）`,
    studies: '相关检查',
    signedBy: '签署医生',
    signedAt: '签署时间',
    version: '版本',
    amendment: '修订原因',
    fingerprint: '签名公钥指纹',
    signature: '签名',
    acknowledged: '县医院已确认',
    none: '无',
  },
  en: {
    title: 'Remote diagnosis report',
    imageTitle: 'Remote image diagnosis report',
    requesting: 'Requesting hospital',
    consulting: 'Consulting hospital',
    patient: 'Patient',
    sex: { male: 'male', female: 'female', unknown: 'unknown' } as Record<string, string>,
    born: 'Born',
    age: (n: number) => `${n} y`,
    nationalId: 'ID No.',
    recordNumber: 'Record No.',
    reportNumber: 'Report No.',
    zone: (z: string) => ` (${z === 'Asia/Shanghai' ? 'China Standard Time' : z})`,
    poverty: 'poverty-registered household',
    requester: 'Requesting doctor',
    question: 'Clinical question',
    history: 'History summary',
    findings: 'Findings',
    impression: 'Impression',
    diagnosis: 'Diagnosis',
    primary: 'primary',
    recommendations: 'Recommendations',
    plan: 'Treatment plan',
    referral: 'Referral to the tertiary hospital recommended',
    followUp: (d: number) => `Follow-up interval: ${d} days`,
    keyImages: 'Key images',
    frame: 'frame',
    notRendered: (why: string) => `(picture not rendered on the server: ${why})`,
    studies: 'Linked studies',
    signedBy: 'Signed by',
    signedAt: 'Signed at',
    version: 'Version',
    amendment: 'Amendment reason',
    fingerprint: 'Signing key fingerprint',
    signature: 'Signature',
    acknowledged: 'Acknowledged by the county hospital',
    none: 'none',
  },
};

/** Fingerprint in groups of four hex digits (first 32 digits = 16 bytes), as printed. */
export const shortFingerprint = (hex: string) => hex.slice(0, 32).match(/.{4}/g)!.join(' ');

/**
 * Font files are read once per process (the Noto CJK collection is ~20 MB) and parsed once per face
 * (font-cache.ts); fontkit subsets per document.
 */
const fontBytes = new Map<string, Buffer>();
const bytesOf = (file: string, parsedOnce = true): Buffer => {
  let b = fontBytes.get(file);
  if (!b) fontBytes.set(file, (b = parseOnce(fs.readFileSync(file))));
  // A copy is not in font-cache's set: parsed again for this document (the benchmark's "before").
  return parsedOnce ? b : Buffer.from(b);
};

export function renderReportPdf(
  d: ReportDocument,
  lang: Lang = 'zh-CN',
  opts: { fontsParsedOnce?: boolean } = {},
): Promise<Buffer> {
  const once = opts.fontsParsedOnce ?? true;
  const t = L[lang];
  const font = cjkFont();
  const pdf = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: {
      Title: `${t.title} ${d.reportId} v${d.payload.version}`,
      Author: d.payload.signer.name,
      Subject: d.payload.content.impression.slice(0, 200),
    },
  });
  pdf.registerFont('body', bytesOf(font.file, once), font.face);
  pdf.registerFont('bold', bytesOf(font.bold?.file ?? font.file, once), font.bold?.face ?? font.face);
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  const hname = (h: { nameZh: string; nameEn: string }) => (lang === 'zh-CN' ? h.nameZh : h.nameEn);
  const heading = (s: string) => {
    pdf
      .moveDown(0.6)
      .font('bold')
      .fontSize(12)
      .fillColor('#1d3557')
      .text(s)
      .fillColor('black')
      .font('body')
      .fontSize(10.5);
  };
  const para = (s: string) => pdf.text(s.trim() || t.none, { align: 'left' });
  const c = d.payload.content;
  const zone = d.timeZone ?? 'Asia/Shanghai';
  const when = (iso: string) => `${localDateTime(iso, zone)}${t.zone(zone)}`;

  // Letterheads: consulting hospital on the left, requesting hospital on the right.
  const top = pdf.y;
  pdf.font('bold').fontSize(13).text(hname(d.consulting), 50, top, { width: 240 });
  pdf.font('body').fontSize(9).text(`${t.consulting} · ${d.consulting.region}`, 50, pdf.y, { width: 240 });
  pdf.font('bold').fontSize(13).text(hname(d.requesting), 305, top, { width: 240, align: 'right' });
  pdf
    .font('body')
    .fontSize(9)
    .text(`${t.requesting} · ${d.requesting.region}`, 305, pdf.y, { width: 240, align: 'right' });
  pdf.x = 50;
  pdf.moveDown(1);
  pdf.moveTo(50, pdf.y).lineTo(545, pdf.y).strokeColor('#1d3557').lineWidth(1.2).stroke();
  pdf.moveDown(0.6);
  const title = d.consultation.type === 'remote_image_diagnosis' ? t.imageTitle : t.title;
  pdf.font('bold').fontSize(17).text(title, { align: 'center' });
  const number = d.reportNumber ? `${t.reportNumber} ${d.reportNumber} · ` : '';
  pdf
    .font('body')
    .fontSize(9)
    .text(`${number}${t.version} ${d.payload.version} · ${d.reportId}`, { align: 'center' });

  heading(t.patient);
  const p = d.patient;
  const h = d.header;
  para(
    [
      p.name,
      t.sex[p.sex] ?? p.sex,
      h ? t.age(h.ageYears) : null,
      `${t.born} ${p.birthDate}`,
      h?.nationalIdMasked ? `${t.nationalId} ${h.nationalIdMasked}` : null,
      h?.recordNumber ? `${t.recordNumber} ${h.recordNumber}` : null,
      p.povertyRegistered ? t.poverty : null,
    ]
      .filter(Boolean)
      .join(' · '),
  );
  para(`${t.requester}: ${d.consultation.requesterName}`);
  heading(t.question);
  para(d.consultation.clinicalQuestion);
  if (d.consultation.historySummary.trim()) {
    heading(t.history);
    para(d.consultation.historySummary);
  }
  heading(t.findings);
  para(c.findings);
  heading(t.impression);
  para(c.impression);
  heading(t.diagnosis);
  if (c.diagnoses.length === 0) para(t.none);
  for (const dx of c.diagnoses) {
    const title = lang === 'zh-CN' ? `${dx.titleZh}（${dx.titleEn}）` : `${dx.titleEn} (${dx.titleZh})`;
    para(`${dx.code}  ${title}${dx.primary ? ` · ${t.primary}` : ''}`);
  }
  heading(t.recommendations);
  const r = c.recommendations;
  para(`${t.plan}: ${r.treatmentPlan.trim() || t.none}`);
  if (r.referral) para(`${t.referral}${r.referralNote.trim() ? `: ${r.referralNote.trim()}` : ''}`);
  if (r.followUpIntervalDays) para(t.followUp(r.followUpIntervalDays));
  if (c.keyImages.length > 0 || d.studies.length > 0) {
    heading(t.keyImages);
    c.keyImages.forEach((k, i) => {
      const caption = `${i + 1}. ${k.caption || '—'} · ${t.frame} ${k.frame}`;
      const pic = d.keyImagePictures?.[i];
      if (pic) drawKeyImage(pdf, pic, caption, t.notRendered);
      else para(caption);
      pdf.fontSize(7).fillColor('#666666').text(`SOP ${k.sopInstanceUid}`).fillColor('black').fontSize(10.5);
    });
    if (d.studies.length) {
      pdf.moveDown(0.3);
      para(
        `${t.studies}: ${d.studies.map((s) => `${s.modality ?? ''} ${s.description ?? ''} ${s.studyInstanceUid}`.trim()).join('; ')}`,
      );
    }
  }

  heading(t.signedBy);
  para(`${d.payload.signer.name} · ${hname(d.signerHospital)}`);
  para(`${t.signedAt}: ${when(d.payload.signedAt)} · ${t.version} ${d.payload.version}`);
  if (d.payload.amendmentReason) para(`${t.amendment}: ${d.payload.amendmentReason}`);
  const alg = { ed25519: 'Ed25519', p256: 'ECDSA P-256', sm2: 'SM2', deployment: 'Ed25519' }[
    d.payload.key?.algorithm ?? 'deployment'
  ];
  para(`${t.fingerprint} (${alg}, SHA-256): ${shortFingerprint(d.keyFingerprint)}`);
  pdf.fontSize(7).text(`${t.signature}: ${d.signature}`);
  if (d.acknowledgedAt) pdf.fontSize(10.5).text(`${t.acknowledged}: ${when(d.acknowledgedAt)}`);
  if (d.pdfSignature)
    drawSignatureBlock(pdf, {
      signerName: d.payload.signer.name,
      hospital: hname(d.signerHospital),
      signedAt: when(d.payload.signedAt),
      trustedTime: d.pdfSignature.trustedTime
        ? `${localDateTime(d.pdfSignature.trustedTime, zone, true)}${t.zone(zone)}`
        : null,
      info: d.pdfSignature,
      lang,
    });
  pdf.end();
  return done;
}
