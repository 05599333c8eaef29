import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  ConsultationIdParams,
  IdParams,
  Icd10Code,
  Icd10Query,
  Permission,
  Report,
  ReportAmend,
  ReportDiff,
  ReportDiffQuery,
  ReportDraftSave,
  ReportListItem,
  ReportListQuery,
  ReportPdfQuery,
  ReportPublicKey,
  ReportSign,
  ReportVerifyResult,
} from '@consult/shared';
import type { Config } from '../config';
import { errorResponses } from '../errors';
import { actorOf } from '../auth/plugin';
import { recordAudit } from '../audit/service';
import { searchIcd10 } from './icd10/index';
import { loadOrCreateSigningKey } from './signing';
import * as review from './review';
import * as svc from './service';
import { loadVisible } from './view';
import { loadDocument } from './document';
import { PdfRenderer } from './pdf-renderer';
import { storedPdf } from './pdf-store';
import { auditRead } from '../consultations/read-audit';
import { keyImagePictures } from './key-image-pictures';
import { BlobStore } from '../imaging/storage';
import { storageDirOf } from '../ops-config';
import { buildFhirBundle } from './fhir';
import { listReports } from './list';
import { TimestampRetrier, timestampSettings } from './timestamp/service';
import { loadDeploymentSigner } from './pades/signer';
import { pdfSignatureOf, signStoredPdf } from './pades/report-pdf';
import { reportKeyNote, storedSignedPdf, type PdfKit } from './signed-pdf';

const errors = errorResponses;
const tags = ['reports'];

/** Remote diagnosis reports: drafts, signing, amendments, verification, acknowledgement, PDF and FHIR exports. */
const reportRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const P = Permission;
  // The deployment's signing key: REPORT_SIGNING_KEY, else the deployment's row (created by the first node).
  const key = (await loadOrCreateSigningKey(app.db, config))!;
  // Trusted time (TSA_URL) with its background retry, and the certificate that signs PDFs.
  const timestamps = timestampSettings(config.reportTrust);
  const retrier = new TimestampRetrier(app.db, timestamps, (e) =>
    app.log.error({ err: e }, 'report timestamps'),
  );
  app.addHook('onReady', async () => retrier.start());
  app.addHook('onClose', async () => retrier.stop());
  const pdfSigner = await loadDeploymentSigner(app.db, config, {
    cert: config.reportTrust.pdfSigningCert,
    key: config.reportTrust.pdfSigningKey,
  });
  const pdfRenderer = new PdfRenderer();
  app.addHook('onClose', async () => pdfRenderer.close());
  // Key images are rendered from the imaging capability's blobs (same DATA_DIR).
  const blobs = new BlobStore(storageDirOf(config));
  const pdf: PdfKit = { renderer: pdfRenderer, blobs, storageDir: storageDirOf(config) };
  const ctx = (): svc.ReportsCtx => ({ db: app.db, io: app.io, key, config, timestamps, pdf });

  app.get(
    '/reports/public-key',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'The Ed25519 public key report signatures verify against',
        response: { 200: ReportPublicKey },
      },
    },
    async () => ({
      algorithm: 'Ed25519' as const,
      publicKeyPem: key.publicKeyPem,
      fingerprint: key.fingerprint,
    }),
  );
  app.get(
    '/reports/icd10',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: {
        tags,
        summary: 'Search the shipped ICD-10 list',
        querystring: Icd10Query,
        response: { 200: Type.Array(Icd10Code), ...errors },
      },
    },
    async (req) => searchIcd10(req.query.q, req.query.limit ?? 20),
  );

  app.get(
    '/reports',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: {
        tags,
        summary: 'My reports (consultant) or reports to acknowledge (county)',
        querystring: ReportListQuery,
        response: { 200: Type.Array(ReportListItem), ...errors },
      },
    },
    async (req) => listReports(app.db, actorOf(req), req.query),
  );
  app.get(
    '/consultations/:consultationId/report',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: { tags, params: ConsultationIdParams, response: { 200: Report, ...errors } },
    },
    async (req) => svc.getByConsultation(ctx(), actorOf(req), req.params.consultationId),
  );
  app.post(
    '/consultations/:consultationId/report',
    {
      preHandler: app.guard(P.ReportsWrite),
      schema: {
        tags,
        summary: 'Open (or create) the report of a consultation',
        params: ConsultationIdParams,
        response: { 200: Report, ...errors },
      },
    },
    async (req) => svc.openReport(ctx(), actorOf(req), req.params.consultationId),
  );
  app.get(
    '/reports/:id',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: { tags, params: IdParams, response: { 200: Report, ...errors } },
    },
    async (req) => svc.getReport(ctx(), actorOf(req), req.params.id),
  );
  app.put(
    '/reports/:id/draft',
    {
      preHandler: app.guard(P.ReportsWrite),
      schema: {
        tags,
        summary: 'Autosave the draft (409 if someone saved since baseRevision)',
        params: IdParams,
        body: ReportDraftSave,
        response: { 200: Report, ...errors },
      },
    },
    async (req) => svc.saveDraft(ctx(), actorOf(req), req.params.id, req.body),
  );
  app.post(
    '/reports/:id/sign',
    {
      preHandler: app.guard(P.ReportsSign),
      // Guessing is bounded by this and, for the signing PIN, by the key's lockout (SIGNER_PIN_MAX_FAILURES).
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Sign the draft: with my signing key and its PIN (or, without a key, my password)',
        params: IdParams,
        body: ReportSign,
        response: { 200: Report, ...errors },
      },
    },
    async (req) => svc.signReport(ctx(), actorOf(req), req.params.id, req.body),
  );
  app.post(
    '/reports/:id/amendments',
    {
      preHandler: app.guard(P.ReportsWrite),
      schema: {
        tags,
        summary: 'Open an amendment of the signed report',
        params: IdParams,
        body: ReportAmend,
        response: { 200: Report, ...errors },
      },
    },
    async (req) => svc.startAmendment(ctx(), actorOf(req), req.params.id, req.body.reason),
  );
  app.get(
    '/reports/:id/diff',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: {
        tags,
        params: IdParams,
        querystring: ReportDiffQuery,
        response: { 200: ReportDiff, ...errors },
      },
    },
    async (req) => review.diffVersions(ctx(), actorOf(req), req.params.id, req.query.from, req.query.to),
  );
  app.get(
    '/reports/:id/verify',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: { tags, params: IdParams, response: { 200: ReportVerifyResult, ...errors } },
    },
    async (req) => review.verifyReport(ctx(), actorOf(req), req.params.id),
  );
  app.post(
    '/reports/:id/acknowledge',
    {
      preHandler: app.guard(P.ReportsAcknowledge),
      schema: { tags, params: IdParams, response: { 200: Report, ...errors } },
    },
    async (req) => review.acknowledge(ctx(), actorOf(req), req.params.id),
  );

  app.get(
    '/reports/:id/pdf',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: {
        tags,
        summary: 'Printable PDF of a signed version',
        params: IdParams,
        querystring: ReportPdfQuery,
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const l = await loadVisible(app.db, actor, req.params.id);
      const doc = await loadDocument(app.db, l, req.query.version, config.reportTimeZone);
      const lang = req.query.lang ?? 'zh-CN';
      const version = doc.payload.version;
      // Signed with the doctor's own key: exactly the file signed then (signed-pdf.ts).
      const own = await storedSignedPdf(app.db, pdf.storageDir, l.report.id, version, lang);
      let source = 'signed';
      let file = own;
      if (!file) {
        // Otherwise the deployment certificate signs it: rendered and signed once per version, language and
        // printed input; later downloads read it from storage (pdf-store.ts).
        const reportKey = await reportKeyNote(app.db, l.report.id, version);
        doc.pdfSignature = {
          ...(await pdfSignatureOf(app.db, pdfSigner, doc)),
          ...(reportKey && { reportKey }),
        };
        const stored = await storedPdf(app.db, pdf.storageDir, doc, lang, async () => {
          doc.keyImagePictures = await keyImagePictures(
            app.db,
            blobs,
            doc.consultation.id,
            doc.requesting.id,
            doc.payload.content.keyImages,
            lang,
          );
          return signStoredPdf(await pdfRenderer.render(doc, lang), pdfSigner, timestamps);
        });
        file = stored.pdf;
        source = stored.fromStore ? 'stored' : 'rendered';
      }
      auditRead(app.db, {
        actor,
        action: 'report.export_pdf',
        entityType: 'report',
        entityId: l.report.id,
        ip: actor.ip,
        detail: { version, signedBy: own ? 'signer' : 'deployment' },
      });
      reply.header('x-pdf-source', source);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="report-${l.report.id}-v${version}.pdf"`)
        .send(file);
    },
  );
  app.get(
    '/reports/:id/fhir',
    {
      preHandler: app.guard(P.ConsultationsRead),
      schema: {
        tags,
        summary: 'FHIR R4 Bundle of a signed version',
        params: IdParams,
        querystring: ReportPdfQuery,
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const l = await loadVisible(app.db, actor, req.params.id);
      const doc = await loadDocument(app.db, l, req.query.version, config.reportTimeZone);
      await recordAudit(app.db, {
        actor,
        action: 'report.export_fhir',
        entityType: 'report',
        entityId: l.report.id,
        ip: actor.ip,
        detail: { version: doc.payload.version },
      });
      return reply
        .type('application/fhir+json; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="report-${l.report.id}-v${doc.payload.version}.fhir.json"`,
        )
        .send(JSON.stringify(buildFhirBundle(doc), null, 2));
    },
  );
};

export default reportRoutes;
