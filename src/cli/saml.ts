import fs from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import { requireTenant } from '../domain/tenancy/tenants.js'
import { SAML_IDENTIFIERS, type SamlIdentifier, type StoredSamlConfig } from '../domain/sign-in/model.js'
import type { Tenant } from '../domain/tenancy/model.js'
import { describeCertificate } from '../saml/certificates.js'
import { spEndpoints, spMetadataXml } from '../saml/service-provider.js'
import { setSamlSettings, type SamlSettingsInput } from '../saml/settings.js'
import { CliError, collect, requireSecretBox, withStore } from './context.js'
import { parseSlug } from './tenant.js'
import { err, out, printPairs } from './output.js'
import { callerPath } from './invocation.js'


function onOff(value: string): boolean {
  if (/^(on|true|yes)$/i.test(value)) return true
  if (/^(off|false|no)$/i.test(value)) return false
  throw new InvalidArgumentError('use on or off.')
}

function readFile(path: string, option: string): string {
  try {
    return fs.readFileSync(callerPath(path), 'utf8')
  } catch (err) {
    throw new CliError(`cannot read ${option} ${path}: ${(err as Error).message}`, 2)
  }
}

interface SetOptions {
  tenant: string
  metadata?: string
  entityId?: string
  ssoUrl?: string
  /** false with --no-slo-url (commander keeps the option and its negation under one name). */
  sloUrl?: string | false
  certFile?: string[]
  identifier?: SamlIdentifier
  identifierAttribute?: string
  idpInitiated?: boolean
  signRequests?: boolean
  jit?: boolean
  passwordSignIn?: boolean
  rotateSpKey?: boolean
}

function describe(tenant: Tenant, config: StoredSamlConfig, publicUrl: string): Array<[string, string]> {
  const s = config.settings
  const sp = spEndpoints(publicUrl, tenant.slug)
  const cert = (pem: string) => {
    const c = describeCertificate(pem)
    return `${c.subject}, valid to ${c.notAfter}${c.expired ? ' (EXPIRED)' : ''}, SHA-256 ${c.fingerprint256}`
  }
  return [
    ['tenant', `${tenant.slug} (source ${tenant.source})`],
    ['IdP entityID', s.idpEntityId],
    ['IdP sign-in URL', s.ssoUrl],
    ['IdP sign-out URL', s.sloUrl ?? '(none: sign-out ends the Roster session only)'],
    ...s.idpCertificates.map((pem, i): [string, string] => [i ? '' : 'IdP certificates', cert(pem)]),
    ['identify users by', s.identifier === 'nameid' ? 'NameID' : `${s.identifier} attribute${s.identifierAttribute ? ` (${s.identifierAttribute})` : ''}`],
    ['IdP-initiated sign-in', s.allowIdpInitiated ? 'allowed' : 'off'],
    ['signed AuthnRequests', s.signRequests ? 'on' : 'off'],
    ['just-in-time users', s.jitProvisioning ? 'on' : 'off'],
    ['password sign-in', s.passwordSignIn ? 'on' : 'off (SSO only)'],
    ['SP entityID / metadata', sp.metadataUrl],
    ['SP ACS URL', sp.acsUrl],
    ['SP SLO URL', sp.sloUrl],
    ['SP sign-in URL', `${sp.loginUrl}?returnTo=/`],
    ['SP certificate', cert(config.spCertificate)],
    ['last changed', config.modified.toISOString()],
  ]
}

export function samlCommand(): Command {
  const cmd = new Command('saml').description("a tenant's SAML 2.0 single sign-on (docs/sso.md)")

  cmd
    .command('set')
    .description(
      'configure SSO for a tenant from its IdP\'s metadata, or field by field; options not given keep their value.\n' +
        'The first call generates the tenant\'s SP signing key (sealed with ENCRYPTION_KEY); give the IdP our metadata URL (roster saml show).',
    )
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .option('--metadata <file>', "the IdP's metadata XML (entityID, endpoints, signing certificates)")
    .option('--entity-id <id>', "the IdP's entityID (with --metadata: which IdP of an aggregate)")
    .option('--sso-url <url>', "the IdP's SingleSignOnService URL (HTTP-Redirect)")
    .option('--slo-url <url>', "the IdP's SingleLogoutService URL (HTTP-Redirect)")
    .option('--no-slo-url', 'remove the IdP sign-out URL')
    .option('--cert-file <pem>', 'an IdP signing certificate (repeatable: all of them are trusted, for rotation)', collect)
    .addOption(new Option('--identifier <source>', 'what identifies the user: NameID, or an email / UPN / userName attribute').choices(SAML_IDENTIFIERS as string[]))
    .option('--identifier-attribute <name>', 'the SAML attribute to read for --identifier email|upn|username, if not one of the usual names')
    .option('--idp-initiated <on|off>', 'accept sign-in started at the IdP (unsolicited responses); default off', onOff)
    .option('--sign-requests <on|off>', 'sign AuthnRequests with the SP key; default on', onOff)
    .option('--jit <on|off>', 'create unknown users at sign-in (only for tenants with source local); default off', onOff)
    .option('--password-sign-in <on|off>', 'keep local password sign-in open next to SSO; default on', onOff)
    .option('--rotate-sp-key', 'generate a new SP signing key and certificate (give the IdP the new metadata)')
    .action(async (opts: SetOptions) => {
      const input: SamlSettingsInput = {
        metadataXml: opts.metadata ? readFile(opts.metadata, '--metadata') : undefined,
        entityId: opts.entityId,
        ssoUrl: opts.ssoUrl,
        sloUrl: opts.sloUrl === false ? null : opts.sloUrl,
        certificates: opts.certFile?.map((f) => readFile(f, '--cert-file')),
        identifier: opts.identifier,
        identifierAttribute: opts.identifierAttribute,
        allowIdpInitiated: opts.idpInitiated,
        signRequests: opts.signRequests,
        jitProvisioning: opts.jit,
        passwordSignIn: opts.passwordSignIn,
        rotateSpKey: opts.rotateSpKey,
      }
      await withStore('saml set', async ({ config, store, actor }) => {
        const box = requireSecretBox(config)
        const tenant = await requireTenant(store, opts.tenant)
        const saved = await setSamlSettings(store, box, { tenant, actor, requestId: null }, input)
        err(`SSO for tenant ${tenant.slug} saved. Give the IdP this metadata URL: ${spEndpoints(config.publicUrl, tenant.slug).metadataUrl}\n`)
        printPairs(describe(tenant, saved, config.publicUrl))
      })
    })

  cmd
    .command('show')
    .description("show a tenant's SSO settings and the SP URLs to give the IdP (no secret is printed)")
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .option('--metadata', 'print our SP metadata XML instead')
    .action(async (opts: { tenant: string; metadata?: boolean }) => {
      await withStore('saml show', async ({ config, store }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const saved = await store.samlConfigs.get(tenant.id)
        if (!saved) throw new CliError(`tenant ${tenant.slug} has no SSO: set it up with roster saml set --tenant ${tenant.slug} --metadata <file>`)
        if (opts.metadata) {
          out(spMetadataXml(saved, spEndpoints(config.publicUrl, tenant.slug)))
          return
        }
        printPairs(describe(tenant, saved, config.publicUrl))
      })
    })
  return cmd
}
