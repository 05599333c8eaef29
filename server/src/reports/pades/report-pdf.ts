/**
 * The report PDF's signature, as the PDF route uses it: what the visible block prints (certificate subject and
 * the version's trusted-time state, part of the stored PDF's input hash, so a timestamp granted later renders and
 * signs the PDF again), and signing the rendered PDF once before it is stored, with a signature-time-stamp from
 * the TSA when one answers (the PDF is signed without one otherwise).
 */
import type { Executor } from '../../db/database';
import type { ReportDocument } from '../document';
import { requestTimestamp } from '../timestamp/client';
import { timestampsOf, type TimestampSettings } from '../timestamp/service';
import type { PdfSignatureInfo } from './signature-block';
import { signPdf } from './sign-pdf';
import { certificateSubject, type CmsSigner } from './signer';

export async function pdfSignatureOf(
  db: Executor,
  signer: CmsSigner,
  doc: Pick<ReportDocument, 'reportId' | 'payload'>,
): Promise<PdfSignatureInfo> {
  const ts = (await timestampsOf(db, doc.reportId)).get(doc.payload.version);
  return {
    certificateSubject: certificateSubject(signer.certificatePem),
    timestamp: ts?.status ?? 'none',
    trustedTime: ts?.status === 'granted' ? ts.time : null,
  };
}

export async function signStoredPdf(
  rendered: Buffer,
  signer: CmsSigner,
  timestamps: Pick<TimestampSettings, 'endpoint'>,
): Promise<Buffer> {
  const endpoint = timestamps.endpoint;
  const stamp = endpoint
    ? (signature: Buffer) =>
        requestTimestamp(endpoint, signature).then(
          (v) => v.token,
          () => null,
        )
    : undefined;
  return (await signPdf(rendered, signer, stamp)).pdf;
}
