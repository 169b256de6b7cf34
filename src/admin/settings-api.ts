import type Router from '@koa/router'
import type { Context } from 'koa'
import type { Config } from '../config.js'
import type { Store } from '../domain/store.js'
import type { Logger } from '../log.js'
import type { SecretBox } from '../domain/credentials/secrets.js'
import { requireSettings, operatorActor } from '../domain/access/operator.js'
import { issueTokenAs, revokeToken, type TokenCache } from '../domain/credentials/tokens.js'
import { getDirectoryConnection } from '../domain/directory-sync/connection.js'
import { HttpError } from '../http/errors.js'
import { jsonBody } from './body.js'
import { setSamlSettings, type SamlSettingsInput } from '../saml/settings.js'
import { spEndpoints } from '../saml/service-provider.js'
import { describeCertificate } from '../saml/certificates.js'
import { DirectoryError, DirectorySync, MissingKeyError, NoDirectoryConnectionError, validateSettings, type DirectorySettings } from '../../sync/service.js'
import { operatorOf } from './auth.js'
import { DirectoryBody, NewScimTokenBody, SsoBody, SyncNowBody } from './schemas.js'
import { validated } from './validate.js'
import type { SyncMetrics } from '../domain/kernel/metrics.js'

export interface SettingsDeps {
  store: Store
  config: Config
  log: Logger
  box: SecretBox | undefined
  tokens?: TokenCache
  /** Where SCIM clients connect (PUBLIC_URL and the SCIM mount), shown with the tokens. */
  scimBaseUrl: string
  /** Counts "Sync now" runs like scheduled ones (METRICS_PORT); absent: not counted. */
  syncMetrics?: SyncMetrics
}

const iso = (d: Date | null) => d?.toISOString() ?? null

const NO_KEY = 'ENCRYPTION_KEY is not set on the server: it seals SAML keys and directory passwords'

function requireBox(deps: SettingsDeps): SecretBox {
  if (!deps.box) throw new HttpError(503, NO_KEY)
  return deps.box
}

/**
 * /api/settings (settings.manage): SCIM tokens with the SCIM base URL to copy, single sign-on, and
 * the directory connection with its test, sync-now, dry run and run history. The tenant's identity
 * source is part of every answer.
 */
export function settingsApi(router: Router, deps: SettingsDeps): void {
  const sync = new DirectorySync({ store: deps.store, box: deps.box, policy: deps.config.sync, log: deps.log.child({ component: 'sync' }), metrics: deps.syncMetrics })
  const body = (ctx: Context) => jsonBody(ctx, deps.config.bodyLimitBytes)
  const settingsOp = async (ctx: Context) => {
    const op = operatorOf(ctx)
    await requireSettings(deps.store, op)
    return op
  }

  router.get('/settings', async (ctx) => {
    const op = await settingsOp(ctx)
    const [saml, directory] = await Promise.all([deps.store.samlConfigs.get(op.tenant.id), getDirectoryConnection(deps.store, op.tenant.id)])
    ctx.body = {
      tenant: { id: op.tenant.id, slug: op.tenant.slug, displayName: op.tenant.displayName, source: op.tenant.source },
      scimBaseUrl: deps.scimBaseUrl,
      sso: saml !== null,
      directory: directory !== null,
    }
  })

  router.get('/settings/scim-tokens', async (ctx) => {
    const op = await settingsOp(ctx)
    const tokens = await deps.store.tokens.list(op.tenant.id, { includeRevoked: ctx.query.all === 'true' })
    ctx.body = { scimBaseUrl: deps.scimBaseUrl, items: tokens.map((t) => ({ id: t.id, name: t.label, created: iso(t.created), lastUsed: iso(t.lastUsed), revoked: iso(t.revoked) })) }
  })

  router.post('/settings/scim-tokens', async (ctx) => {
    const op = await settingsOp(ctx)
    const { name } = validated<{ name: string }>(NewScimTokenBody, await body(ctx))
    const issued = await issueTokenAs(deps.store, op, name)
    ctx.status = 201
    ctx.set('Cache-Control', 'no-store')
    ctx.body = { id: issued.token.id, name: issued.token.label, created: iso(issued.token.created), secret: issued.secret, scimBaseUrl: deps.scimBaseUrl }
  })

  router.delete('/settings/scim-tokens/:name', async (ctx) => {
    const op = await settingsOp(ctx)
    // The router has decoded the name already: decoding again would misread a name with "%" in it.
    await revokeToken(deps.store, op.tenant, ctx.params.name!, operatorActor(op), op.requestId, deps.tokens)
    ctx.status = 204
  })

  router.get('/settings/sso', async (ctx) => {
    const op = await settingsOp(ctx)
    const config = await deps.store.samlConfigs.get(op.tenant.id)
    const sp = spEndpoints(deps.config.publicUrl, op.tenant.slug)
    ctx.body = {
      serviceProvider: { ...sp, testSignInUrl: `${sp.loginUrl}?returnTo=${encodeURIComponent('/api/me')}` },
      identityProvider: config
        ? { ...config.settings, idpCertificates: config.settings.idpCertificates.map((pem) => describeCertificate(pem)), modified: config.modified.toISOString() }
        : null,
    }
  })

  router.put('/settings/sso', async (ctx) => {
    const op = await settingsOp(ctx)
    // The console's subset of the SAML settings (endpoints and certificates come from the metadata).
    const input = validated<
      Pick<SamlSettingsInput, 'metadataXml' | 'entityId' | 'identifier' | 'identifierAttribute' | 'allowIdpInitiated' | 'signRequests' | 'jitProvisioning' | 'passwordSignIn'>
    >(SsoBody, await body(ctx))
    const saved = await setSamlSettings(deps.store, requireBox(deps), { tenant: op.tenant, actor: operatorActor(op), requestId: op.requestId }, input)
    ctx.body = { identityProvider: { ...saved.settings, idpCertificates: saved.settings.idpCertificates.map((pem) => describeCertificate(pem)) }, serviceProvider: spEndpoints(deps.config.publicUrl, op.tenant.slug) }
  })

  router.get('/settings/directory', async (ctx) => {
    const op = await settingsOp(ctx)
    const [connection, { runs, state }] = await Promise.all([sync.connection(op.tenant.id), sync.status(op.tenant.id, 20)])
    ctx.body = {
      connection: connection ? { ...connection.settings, bindPassword: 'set (never shown)', modified: connection.modified.toISOString() } : null,
      lastFullRun: iso(state.lastFull),
      runs,
    }
  })

  router.put('/settings/directory', async (ctx) => {
    const op = await settingsOp(ctx)
    const input = validated<Omit<DirectorySettings, 'mapping'> & { bindPassword?: string; mapping: Record<string, string> }>(DirectoryBody, await body(ctx))
    const { bindPassword, ...rest } = input
    const settings = validateSettings({ ...rest, caPem: rest.caPem ?? null, userFilter: rest.userFilter ?? null, groupFilter: rest.groupFilter ?? null })
    requireBox(deps)
    await sync.setConnection({ tenant: op.tenant, actor: operatorActor(op), requestId: op.requestId }, settings, bindPassword ?? null)
    ctx.status = 204
  })

  router.post('/settings/directory/test', async (ctx) => {
    const op = await settingsOp(ctx)
    try {
      ctx.body = (await sync.test(op.tenant)).result
    } catch (err) {
      if (err instanceof NoDirectoryConnectionError) throw new HttpError(404, 'no directory connection: set one first')
      if (err instanceof MissingKeyError) throw new HttpError(503, NO_KEY)
      // The directory's own answer (bad credentials, unreachable, TLS) is what the admin needs to see.
      if (err instanceof DirectoryError) throw new HttpError(502, err.message)
      throw err
    }
  })

  router.post('/settings/directory/sync', async (ctx) => {
    const op = await settingsOp(ctx)
    const request = validated<{ full: boolean; dryRun: boolean; force: boolean }>(SyncNowBody, await body(ctx))
    requireBox(deps)
    const report = await sync.run(op.tenant, { ...request, trigger: 'console' })
    ctx.body = { run: report.run, samples: report.samples, warnings: report.warnings }
  })
}
