/** A SCIM bearer credential. The secret itself is never stored, only its hash. */
export interface ApiToken {
  id: string
  tenantId: string
  label: string
  created: Date
  lastUsed: Date | null
  revoked: Date | null
}
