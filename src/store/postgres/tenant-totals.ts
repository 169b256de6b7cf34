/** The tenant's counters are striped (migration 0016): its totals are the sum of its rows. */

/** A tenant's totals (tenant id `$1`), summed over its stripes: a subquery with columns users, groups, users_inactive, users_archived. */
export const TENANT_TOTALS = `(SELECT sum(users)::bigint AS users, sum(groups)::bigint AS groups, sum(users_inactive)::bigint AS users_inactive,
  sum(users_archived)::bigint AS users_archived FROM tenant_stats WHERE tenant_id = $1)`
