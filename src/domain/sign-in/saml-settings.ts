/**
 * Storing a tenant's SAML settings: the domain's half of configuring SAML. The SAML service
 * (src/saml/settings.ts) reads IdP metadata and validates what an admin gives; this module keeps the
 * rules of the write itself — the SP signing key sealed with ENCRYPTION_KEY and bound to its tenant,
 * the key proven to open before anything changes, one transaction with its audit record.
 */
import type { Transactional } from '../kernel/transaction.js'
import type { AuditPersister } from '../audit/persister.js'
import type { SignInPersister } from './persister.js'
import type { Actor } from '../audit/model.js'
import type { JsonObject } from '../kernel/json.js'
import type { Tenant } from '../tenancy/model.js'
import { diffDocuments } from '../identity/writes.js'
import type { SamlSettings, StoredSamlConfig } from './model.js'

const keyContext = (tenantId: string) => `saml-sp-key:${tenantId}`

/**
 * Seals and opens the SP key (credentials/secrets.ts's SecretBox is one). Declared by what sign-in
 * uses, so sign-in does not depend on credentials, which builds on it.
 */
export interface Sealer {
  seal(plain: string, context: string): string
  open(sealed: string, context: string): string
}

/** A newly generated SP key pair, to replace the stored one (or to be the first). */
export interface SpKeyPair {
  certificatePem: string
  privateKeyPem: string
}

export interface SamlSettingsWrite {
  tenant: Tenant
  actor: Actor
  requestId: string | null
}

/**
 * Creates or changes the tenant's SAML settings in one audited transaction. `newKey` is required
 * when the tenant has no settings yet; without it the stored key is kept (and must open).
 */
export async function saveSamlSettings(
  store: Transactional<Pick<SignInPersister, 'samlConfigs'> & AuditPersister>,
  box: Sealer,
  ctx: SamlSettingsWrite,
  existing: StoredSamlConfig | null,
  settings: SamlSettings,
  newKey: SpKeyPair | null,
): Promise<StoredSamlConfig> {
  let spCertificate: string
  let sealedKey: string
  if (newKey) {
    spCertificate = newKey.certificatePem
    sealedKey = box.seal(newKey.privateKeyPem, keyContext(ctx.tenant.id))
  } else if (existing) {
    // Opening it proves the configured key is the one it was sealed with, before anything changes.
    openSpKey(box, existing)
    spCertificate = existing.spCertificate
    sealedKey = existing.sealedSpKey
  } else {
    throw new Error('saveSamlSettings: a first configuration needs a new SP key pair')
  }
  return store.transaction(async (tx) => {
    const saved = await tx.samlConfigs.put(ctx.tenant.id, settings, spCertificate, sealedKey)
    const changes = diffDocuments((existing?.settings ?? null) as JsonObject | null, settings as unknown as JsonObject)
    if (spCertificate !== existing?.spCertificate) {
      changes.attributes = [...changes.attributes, 'spCertificate'].sort()
      changes.after = { ...changes.after, spCertificate }
    }
    if (changes.attributes.length) {
      await tx.audit.append({
        tenantId: ctx.tenant.id,
        actor: ctx.actor,
        action: existing ? 'saml.update' : 'saml.create',
        resourceType: 'SamlConfig',
        resourceId: ctx.tenant.id,
        changes,
        requestId: ctx.requestId,
      })
    }
    return saved
  })
}

/** The SP signing key in the clear; throws SecretKeyError when ENCRYPTION_KEY is not the one it was sealed with. */
export function openSpKey(box: Pick<Sealer, 'open'>, config: StoredSamlConfig): string {
  return box.open(config.sealedSpKey, keyContext(config.tenantId))
}
