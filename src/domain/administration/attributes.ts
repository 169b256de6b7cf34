import { operatorActor, requirePermissions, requireSettings, type Operator } from '../access/operator.js'
import { defineAttribute, deleteAttribute, listAttributes, type AttributeContext, type AttributeEdit, type AttributeInput, type DeleteAttributeOptions, updateAttribute } from '../identity/custom-attributes.js'
import { type CustomAttributeStore, type IdentityPersister } from '../identity/persister.js'
import { type AccessPersister } from '../access/persister.js'
import { type CustomAttribute } from '../identity/custom-attribute-model.js'

const contextOf = (op: Operator): AttributeContext => ({ tenant: op.tenant, actor: operatorActor(op), requestId: op.requestId })

/** Every signed-in user who may see users sees the definitions: the console renders its forms from them. */
export async function listAttributesAs(store: Pick<IdentityPersister, 'customAttributes'> & AccessPersister, op: Operator): Promise<readonly CustomAttribute[]> {
  await requirePermissions(store, op, 'users.view')
  return listAttributes(store, op.tenant.id)
}

export async function defineAttributeAs(store: CustomAttributeStore & AccessPersister, op: Operator, input: AttributeInput): Promise<CustomAttribute> {
  await requireSettings(store, op)
  return defineAttribute(store, contextOf(op), input)
}

export async function updateAttributeAs(store: CustomAttributeStore & AccessPersister, op: Operator, id: string, edit: AttributeEdit): Promise<CustomAttribute> {
  await requireSettings(store, op)
  return updateAttribute(store, contextOf(op), id, edit)
}

export async function deleteAttributeAs(store: CustomAttributeStore & AccessPersister, op: Operator, id: string, options: DeleteAttributeOptions = {}): Promise<{ usersCleared: number }> {
  await requireSettings(store, op)
  return deleteAttribute(store, contextOf(op), id, options)
}
