// npm's `prepare` (run by `npm install` and `npm ci`): makes the empty embedded database that new
// data directories are copied from (src/store/postgres/pglite-template.ts), so that the first
// `npm start` does not spend 10–30 s in initdb. It never fails the install: without the template,
// the first start makes it.
import { register } from 'tsx/esm/api'

register()
try {
  const { ensureTemplate } = await import('../src/store/postgres/pglite-template.ts')
  const dir = await ensureTemplate({ info: (_fields, message) => console.log(`roster: ${message}`) })
  console.log(dir ? `roster: new data directories start from ${dir}` : 'roster: could not prepare the empty embedded database; the first start will')
} catch (err) {
  console.warn(`roster: could not prepare the empty embedded database (${err.message}); the first start will`)
}
