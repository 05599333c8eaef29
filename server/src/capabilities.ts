import type { FastifyInstance } from 'fastify';
import type { Config } from './config';
import authRoutes from './auth/routes';
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

/**
 * Every capability, each an encapsulated plugin under its prefix. A new capability adds one line here.
 */
export async function registerCapabilities(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(authRoutes, { prefix: '/api/auth', config });
  await app.register(networkRoutes, { prefix: '/api' });
  await app.register(auditRoutes, { prefix: '/api' });
  await app.register(notificationRoutes, { prefix: '/api' });
  await app.register(patientRoutes, { prefix: '/api' });
  await app.register(consultationRoutes, { prefix: '/api', config });
  await app.register(accessRoutes, { prefix: '/api' });
  await app.register(statsRoutes, { prefix: '/api' });
  await app.register(reportRoutes, { prefix: '/api', config });
  await app.register(dashboardRoutes, { prefix: '/api' });
  await app.register(imagingPlugin, { config });
  // sync before rounds: its onRoute hook watches /api/rounds/:id changes (removal revokes viewer access at once).
  await app.register(syncPlugin, { config });
  await app.register(roundRoutes, { prefix: '/api', config });
}
