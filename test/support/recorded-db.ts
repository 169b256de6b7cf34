import type { Database, Sql } from '../../src/store/postgres/sql.js'

/** The database with every statement it is sent recorded, BEGIN and COMMIT included. */
export function recorded(db: Database): { db: Database; statements: string[] } {
  const statements: string[] = []
  const wrap = (sql: Sql): Sql => ({
    query: (text, params) => {
      statements.push(text.trim().split(/\s+/).slice(0, 3).join(' '))
      return sql.query(text, params)
    },
  })
  const counted: Database = {
    ...wrap(db),
    kind: db.kind,
    notices: db.notices,
    close: () => db.close(),
    withConnection: (fn) => db.withConnection((sql) => fn(wrap(sql))),
    transaction: async (fn) => {
      statements.push('BEGIN')
      try {
        return await db.transaction((tx) => fn(wrap(tx)))
      } finally {
        statements.push('COMMIT')
      }
    },
  }
  return { db: counted, statements }
}
