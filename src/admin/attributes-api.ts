import type Router from '@koa/router'
import type { Context } from 'koa'
import { defineAttributeAs, deleteAttributeAs, listAttributesAs, updateAttributeAs } from '../domain/administration/attributes.js'
import { type AttributeEdit, type AttributeInput } from '../domain/identity/custom-attributes.js'
import { jsonBody } from './body.js'
import { ValidationError } from '../domain/kernel/errors.js'
import { operatorOf } from './auth.js'
import { attributeJson } from './representation.js'
import { AttributeEditBody, NewAttributeBody } from './schemas.js'
import { validated } from './validate.js'
import type { AdminDeps } from './users-api.js'

/**
 * /api/attributes: the tenant's custom user attributes. Anyone who may see users reads them (the
 * console builds its forms from them); defining, changing and deleting need settings.manage.
 */
export function attributesApi(router: Router, deps: AdminDeps): void {
  const body = (ctx: Context) => jsonBody(ctx, deps.bodyLimitBytes)

  router.get('/attributes', async (ctx) => {
    ctx.body = { items: (await listAttributesAs(deps.store, operatorOf(ctx))).map(attributeJson) }
  })

  router.post('/attributes', async (ctx) => {
    const input = validated<AttributeInput>(NewAttributeBody, await body(ctx))
    const attribute = await defineAttributeAs(deps.store, operatorOf(ctx), input)
    ctx.status = 201
    ctx.set('Location', `/api/attributes/${attribute.id}`)
    ctx.body = attributeJson(attribute)
  })

  router.patch('/attributes/:id', async (ctx) => {
    const edit = validated<AttributeEdit>(AttributeEditBody, await body(ctx))
    ctx.body = attributeJson(await updateAttributeAs(deps.store, operatorOf(ctx), ctx.params.id!, edit))
  })

  router.delete('/attributes/:id', async (ctx) => {
    const purge = ctx.query.purge
    if (purge !== undefined && purge !== 'true' && purge !== 'false') throw new ValidationError('purge is true or false', 'purge')
    await deleteAttributeAs(deps.store, operatorOf(ctx), ctx.params.id!, { purge: purge === 'true' })
    ctx.status = 204
  })
}
