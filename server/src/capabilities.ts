import type { FastifyInstance } from 'fastify';
import type { Config } from './config';
import authRoutes from './auth/routes';
import mfaRoutes from './auth/mfa/routes';
import networkRoutes from './network/routes';
import auditRoutes from './audit/routes';
import notificationRoutes from './notifications/routes';
import patientRoutes from './patients/routes';
import consultationRoutes from './consultations/routes';
import statsRoutes from './stats/routes';
import reportRoutes from './reports/routes';
import dashboardRoutes from './dashboard/routes';
import roundRoutes from './rounds/routes';
import syncPlugin from './sync/plugin';
import imagingPlugin from './imaging/routes';
import accessRoutes from './access/routes';
import worklistRoutes from './worklist/routes';
import oauthRoutes from './oauth/routes';
import fhirRoutes from './fhir/routes';
import signerRoutes from './signers/routes';

/**
 * Every capability, each an encapsulated plugin under its prefix. A new capability adds one line here.
 */
export async function registerCapabilities(app: FastifyInstance, config: Config): Promise<void> {
  // sync first: its onRoute hook watches the round and case routes registered after it (a removal from a round,
  // a care-team or consent change re-checks the live viewers at once).
  await app.register(syncPlugin, { config });
  await app.register(authRoutes, { prefix: '/api/auth', config });
  await app.register(mfaRoutes, { prefix: '/api/auth' });
  await app.register(networkRoutes, { prefix: '/api', config });
  await app.register(auditRoutes, { prefix: '/api' });
  await app.register(notificationRoutes, { prefix: '/api' });
  await app.register(patientRoutes, { prefix: '/api' });
  await app.register(consultationRoutes, { prefix: '/api', config });
  await app.register(statsRoutes, { prefix: '/api' });
  await app.register(reportRoutes, { prefix: '/api', config });
  await app.register(signerRoutes, { prefix: '/api', config });
  await app.register(dashboardRoutes, { prefix: '/api' });
  await app.register(imagingPlugin, { config });
  await app.register(roundRoutes, { prefix: '/api', config });
  await app.register(accessRoutes, { prefix: '/api' });
  await app.register(worklistRoutes, { prefix: '/api', config });
  await app.register(oauthRoutes, { config });
  await app.register(fhirRoutes, { prefix: '/fhir' });
}
