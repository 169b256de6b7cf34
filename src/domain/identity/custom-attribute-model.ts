/**
 * Custom user attributes: typed fields a tenant defines for its users (a contact centre's routing
 * profile, security profile, phone type). The definitions are rows of their own; the values live in
 * the user's SCIM document under CUSTOM_ATTRIBUTES_URN, so SCIM, the console and the search all read
 * the one copy.
 */

/**
 * The SCIM extension schema that carries a tenant's custom attributes. One URN for every tenant
 * (its attributes differ per tenant), outside the IETF namespace because the schema is not one the
 * IETF defines: `urn:ietf:params:scim:schemas:extension:…` names registered schemas only.
 */
export const CUSTOM_ATTRIBUTES_URN = 'urn:roster:params:scim:schemas:extension:tenant:2.0:User'

export type CustomAttributeType = 'text' | 'choice' | 'boolean'
export const CUSTOM_ATTRIBUTE_TYPES: readonly CustomAttributeType[] = ['text', 'choice', 'boolean']

export type CustomAttributeValue = string | boolean

export interface CustomAttribute {
  id: string
  tenantId: string
  /** The SCIM attribute name: fixed once defined (IdP mappings refer to it). */
  name: string
  /** What the console shows. */
  label: string
  /** Fixed once defined: stored values would otherwise stop matching it. */
  type: CustomAttributeType
  /** The allowed values of a `choice`, in the order the console offers them; empty otherwise. */
  choices: string[]
  /** Enforced by the console and the admin API only (see docs/admin.md, Custom user attributes). */
  required: boolean
  description: string
  /** Where the console shows it among the tenant's attributes (ascending). */
  position: number
  created: Date
  modified: Date
}

export type NewCustomAttribute = Omit<CustomAttribute, 'id' | 'created' | 'modified'> & { id?: string }

export type CustomAttributeChanges = Partial<Pick<CustomAttribute, 'label' | 'choices' | 'required' | 'description' | 'position'>>

export const CUSTOM_ATTRIBUTE_LIMITS = Object.freeze({
  /** Per tenant: every definition is part of the tenant's SCIM schema and of every console form. */
  maxDefinitions: 100,
  maxChoices: 100,
  maxChoiceLength: 256,
  maxTextLength: 1024,
  maxLabelLength: 100,
  maxDescriptionLength: 500,
})

/** A SCIM attribute name (RFC 7643 §2.1 ATTRNAME, without `-` so that it is a safe identifier everywhere). */
export const CUSTOM_ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/
