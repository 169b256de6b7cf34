/**
 * Group `members` under PATCH. Members are never materialised in the document (a group can have
 * 100,000 of them): the operations fold into one change set for the store, one row per membership,
 * that apply.ts returns as the domain's MemberChanges.
 */
import { compileValueFilter } from '../filter/evaluate.js'
import { formatFilter, type Filter } from '../filter/parse.js'
import type { MemberInput } from '../schema/document.js'
import { parseMembers } from '../schema/representation.js'
import { coercion } from './coerce.js'
import { memberIdsFromValue } from './dialects.js'
import type { Target } from './path.js'
import { fail, type MemberState, type OpName, type PatchContext, type PatchState } from './state.js'

function memberState(state: PatchState): MemberState {
  state.members ??= { add: new Map(), remove: new Set(), removeAll: false }
  return state.members
}

/** `members[value eq "a"]`, `members[value eq "a" or value eq "b"]` → the ids. */
function memberIdsFromFilter(ctx: PatchContext, t: Extract<Target, { kind: 'members' }>, filter: Filter): string[] {
  compileValueFilter(ctx.registry, t.resolved, filter) // unknown sub-attributes, bad types: invalidFilter
  const ids: string[] = []
  const visit = (f: Filter): boolean => {
    if (f.kind === 'or') return f.filters.every(visit)
    if (f.kind === 'compare' && f.op === 'eq' && typeof f.value === 'string' && f.path.uri === undefined && f.path.sub === undefined && f.path.attr.toLowerCase() === 'value') {
      ids.push(f.value)
      return true
    }
    return false
  }
  if (!visit(filter)) {
    fail(
      'invalidFilter',
      `members can be removed by id only: members[value eq "<id>"], or several joined with "or"; members[${formatFilter(filter)}] would need the member list`,
    )
  }
  return ids
}

export function applyMembers(ctx: PatchContext, state: PatchState, op: OpName, t: Extract<Target, { kind: 'members' }>, value: unknown, hasValue: boolean): void {
  if (t.sub !== undefined) fail('mutability', `the sub-attributes of members are immutable (members.${t.sub}); add or remove members instead`)
  const m = memberState(state)
  const add = (list: MemberInput[]): void => {
    for (const x of list) {
      m.remove.delete(x.value)
      const seen = m.add.get(x.value)
      if (!seen) m.add.set(x.value, { ...x })
      else if (x.type !== undefined) seen.type = x.type
    }
  }
  const remove = (ids: string[]): void => {
    for (const id of ids) {
      m.add.delete(id)
      m.remove.add(id)
    }
  }
  const removeAll = (): void => {
    m.add.clear()
    m.remove.clear()
    m.removeAll = true
  }
  if (t.filter) {
    if (op !== 'remove') fail('invalidPath', `members[...] can only be removed; add members with the path "members"`)
    remove(memberIdsFromFilter(ctx, t, t.filter))
    return
  }
  const def = t.resolved.definition
  if (op === 'add') add(parseMembers(def, value, coercion(ctx)))
  else if (op === 'replace') {
    const list = parseMembers(def, value, coercion(ctx))
    removeAll()
    add(list)
  } else if (!hasValue) removeAll()
  else {
    // Entra ID: {"op":"Remove","path":"members","value":[{"value":"<id>"}]} removes exactly those
    // members — never all of them (strict mode rejected the value in parsing).
    remove(memberIdsFromValue(ctx, value))
  }
}
