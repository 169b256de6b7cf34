import type Router from '@koa/router'
import { NotFoundError } from '../domain/kernel/errors.js'
import { provisioningLogOn } from '../domain/provisioning/model.js'
import { changeView, entryView } from '../domain/provisioning/view.js'
import { readProvisioningEntryAs, readProvisioningLogAs } from '../domain/provisioning/read.js'
import { operatorOf } from './auth.js'
import { ProvisioningLogParams } from './schemas.js'
import type { AdminDeps } from './users-api.js'
import { validatedQuery } from './validate.js'

/**
 * /api/provisioning-log (audit.view): every SCIM request of the tenant with what Roster made of it,
 * newest first; one entry with the change it made (its request's audit events).
 */
export function provisioningApi(router: Router, deps: AdminDeps): void {
  router.get('/provisioning-log', async (ctx) => {
    const p = validatedQuery<{ status?: 'failed' | 'succeeded'; resource?: string; q?: string; from?: string; to?: string; cursor?: string; limit: number }>(ProvisioningLogParams, ctx.query)
    const op = operatorOf(ctx)
    const page = await readProvisioningLogAs(deps.store, op, {
      limit: p.limit,
      before: p.cursor ?? null,
      status: p.status,
      resourceId: p.resource,
      text: p.q,
      from: p.from ? new Date(p.from) : undefined,
      to: p.to ? new Date(p.to) : undefined,
    })
    // `enabled`: whether new requests are recorded (the tenant may have turned the log off).
    ctx.body = { items: page.items.map(entryView), next: page.next, enabled: provisioningLogOn(op.tenant) }
  })

  router.get('/provisioning-log/:id', async (ctx) => {
    const found = await readProvisioningEntryAs(deps.store, operatorOf(ctx), ctx.params.id!)
    if (!found) throw new NotFoundError('no such provisioning log entry')
    ctx.body = { ...entryView(found.entry), change: found.changes.map(changeView) }
  })
}
