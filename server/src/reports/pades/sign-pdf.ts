/**
 * Filling a PDF's signature placeholder (made while rendering, signature-block.ts) with a PAdES CMS signature:
 * @signpdf/signpdf computes the /ByteRange and hands us the signed bytes; the CMS is ours (cms.ts), since the
 * library's own signer is RSA/PKCS#12 only.
 */
import { SignPdf } from '@signpdf/signpdf';
import { Signer } from '@signpdf/utils';
import { buildCmsSignature, type SignatureTimestamper } from './cms';
import type { CmsSigner } from './signer';

/** Bytes reserved in the PDF for the CMS (certificate chain and time-stamp token included). */
export const SIGNATURE_PLACEHOLDER_BYTES = 16_384;

class PadesCmsSigner extends Signer {
  timestamped = false;
  constructor(
    private readonly signer: CmsSigner,
    private readonly timestamp?: SignatureTimestamper,
  ) {
    super();
  }
  override async sign(pdfBuffer: Buffer): Promise<Buffer> {
    const cms = await buildCmsSignature(this.signer, pdfBuffer, this.timestamp);
    this.timestamped = cms.timestamped;
    return cms.der;
  }
}

/** The signed PDF, and whether a signature-time-stamp is embedded in it. */
export async function signPdf(
  pdfWithPlaceholder: Buffer,
  signer: CmsSigner,
  timestamp?: SignatureTimestamper,
): Promise<{ pdf: Buffer; timestamped: boolean }> {
  const s = new PadesCmsSigner(signer, timestamp);
  const pdf = await new SignPdf().sign(pdfWithPlaceholder, s);
  return { pdf, timestamped: s.timestamped };
}
