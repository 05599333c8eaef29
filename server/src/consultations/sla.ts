import type { FastifyInstance } from 'fastify';
import { notifyUsers } from '../notifications/service';
import { usersWithRelation } from '../access/policy';
import type { ConsultationCtx } from './service';
import { claimSlaWarnings } from './queries';

/**
 * "SLA about to breach": requests still waiting for a response whose due time is within SLA_WARN_MINUTES get one
 * warning (to the assignee, or the target hospital's clinicians when unassigned). The conditional UPDATE claims
 * each warning once, so several server instances never double-notify.
 */
export async function checkSla(ctx: ConsultationCtx, now = new Date()): Promise<number> {
  const horizon = new Date(now.getTime() + ctx.config.consultations.slaWarnMinutes * 60_000);
  const due = await claimSlaWarnings(ctx.db, now, horizon);
  for (const c of due) {
    // The assignee, else the triage queue (the access policy's triage relation).
    const userIds = c.assigned_to ? [c.assigned_to] : await usersWithRelation(ctx.db, c.id, 'triage');
    await notifyUsers(ctx.db, ctx.io, userIds, {
      kind: 'consultation.sla_warning',
      entityType: 'consultation',
      entityId: c.id,
      data: { urgency: c.urgency, slaDueAt: c.sla_due_at ? c.sla_due_at.toISOString() : null },
    });
  }
  return due.length;
}

export function startSlaWatcher(app: FastifyInstance, ctx: ConsultationCtx): void {
  const every = ctx.config.consultations.slaCheckSeconds;
  if (!every) return;
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      if (running) return;
      running = true;
      checkSla(ctx)
        .catch((err: unknown) => app.log.warn({ err }, 'SLA check failed'))
        .finally(() => {
          running = false;
        });
    }, every * 1000);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
  });
}
