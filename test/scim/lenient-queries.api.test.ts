/**
 * Issue 14, items 3 and 4: unquoted filter values and value-filtered `attributes` /
 * `excludedAttributes`, as IdPs send them (Microsoft's SCIM validator samples). Lenient mode (the
 * default) reads them; a tenant's strict mode answers RFC 7644's 400. Also: dateTimes finer than
 * milliseconds, or with an offset, compare with the stored meta.created (microseconds in
 * PostgreSQL, milliseconds as shown) at their own precision.
 */
import assert from 'node:assert/strict'
import { backends } from '../support/stores.js'
import { GROUP, SEARCH, USER, patchOp, scimFixture, type ScimClient, type ScimFixture } from '../support/scim.js'

type Resource = Record<string, unknown> & { id: string; meta: { created: string } }

const WORK = { value: 'bob@work.example', type: 'work', primary: true }
const HOME = { value: 'bob@home.example', type: 'home' }

/** `iso` (UTC, milliseconds) written in the -07:00 offset with `extra` digits after the milliseconds. */
function at7(iso: string, extra: string): string {
  const local = new Date(Date.parse(iso) - 7 * 3_600_000).toISOString() // the wall-clock time at -07:00
  return `${local.slice(0, 23)}${extra}-07:00`
}

for (const backend of backends()) {
  describe(`lenient queries on ${backend.name}`, function () {
    let fx: ScimFixture
    before(async () => {
      fx = await scimFixture(backend)
    })
    after(async () => fx?.dispose())

    const ids = async (c: ScimClient, filter: string): Promise<string[]> => {
      const res = await c.get(`/Users?filter=${encodeURIComponent(filter)}`).expect(200)
      return (res.body.Resources as Resource[]).map((r) => r.id).sort()
    }
    const people = async (c: ScimClient) => {
      const olga = (await c.post('/Users', { schemas: [USER], userName: 'Olga', name: { familyName: 'Employee' } }).expect(201)).body as Resource
      const bob = (await c.post('/Users', { schemas: [USER], userName: 'bob', active: true, emails: [WORK, HOME] }).expect(201)).body as Resource
      return { olga, bob }
    }

    describe('lenient mode (the default)', () => {
      let c: ScimClient
      let olga: Resource
      let bob: Resource
      before(async () => {
        c = await fx.client()
        ;({ olga, bob } = await people(c))
      })

      it('reads the three unquoted filters of issue 14', async () => {
        assert.deepEqual(await ids(c, 'name.familyName eq Employee'), [olga.id])
        assert.deepEqual(await ids(c, 'userName sw O'), [olga.id])
        assert.deepEqual(await ids(c, 'meta.created gt 2015-10-10T14:38:21.8617979-07:00'), [olga.id, bob.id].sort())
        assert.deepEqual(await ids(c, 'meta.created lt 2015-10-10T14:38:21.8617979-07:00'), [])
      })

      it('ends a bare value at whitespace, ")" or "]", and reads and/or/not after it', async () => {
        assert.deepEqual(await ids(c, 'userName eq bob and active eq true'), [bob.id])
        assert.deepEqual(await ids(c, '(userName eq bob) or name.familyName eq Employee'), [olga.id, bob.id].sort())
        assert.deepEqual(await ids(c, 'emails[type eq work and value eq bob@work.example]'), [bob.id])
        assert.deepEqual(await ids(c, 'userName eq bob and not (emails[type eq home])'), [])
        assert.deepEqual(await ids(c, 'active eq True and userName eq BOB'), [bob.id])
      })

      it('reads them in a .search body too', async () => {
        const res = await c.post('/Users/.search', { schemas: [SEARCH], filter: 'name.familyName eq Employee' }).expect(200)
        assert.deepEqual((res.body.Resources as Resource[]).map((r) => r.id), [olga.id])
      })

      it('compares dateTimes around a real meta.created at their own precision, quoted or not', async () => {
        const created = bob.meta.created
        assert.match(created, /\.\d{3}Z$/)
        const only = (cond: string) => ids(c, `userName eq "bob" and meta.created ${cond}`)
        // The millisecond shown, written at -07:00 with 7 fractional digits: equal to it.
        const same = at7(created, '0000')
        // Inside that millisecond: after the created time as shown.
        const inside = at7(created, '9999')
        for (const quote of [(v: string) => `"${v}"`, (v: string) => v]) {
          assert.deepEqual(await only(`eq ${quote(same)}`), [bob.id], same)
          assert.deepEqual(await only(`ge ${quote(same)}`), [bob.id])
          assert.deepEqual(await only(`gt ${quote(same)}`), [])
          assert.deepEqual(await only(`eq ${quote(inside)}`), [], inside)
          assert.deepEqual(await only(`ne ${quote(inside)}`), [bob.id])
          assert.deepEqual(await only(`lt ${quote(inside)}`), [bob.id])
          assert.deepEqual(await only(`le ${quote(inside)}`), [bob.id])
          assert.deepEqual(await only(`gt ${quote(inside)}`), [])
          assert.deepEqual(await only(`ge ${quote(inside)}`), [])
        }
        // A millisecond earlier, beyond it: before the created time.
        const before = at7(new Date(Date.parse(created) - 1).toISOString(), '5')
        assert.deepEqual(await only(`gt ${before}`), [bob.id])
        assert.deepEqual(await only(`ge ${before}`), [bob.id])
        assert.deepEqual(await only(`lt ${before}`), [])
      })

      it('reads an unquoted value in a PATCH path filter', async () => {
        const u = (await c.post('/Users', { schemas: [USER], userName: 'patchy', emails: [WORK, HOME] }).expect(201)).body as Resource
        const res = await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'emails[type eq work].value', value: 'new@work.example' })).expect(200)
        assert.deepEqual(res.body.emails, [{ ...WORK, value: 'new@work.example' }, HOME])
      })

      describe('value-filtered attributes', () => {
        const attr = (name: string) => `attributes=${encodeURIComponent(name)}`
        const bobFilter = `filter=${encodeURIComponent('userName eq "bob"')}`

        it('list: returns the matching values of the attribute', async () => {
          const cases: [string, unknown][] = [
            ['emails[type eq "work"]', [WORK]],
            ['emails[value eq "bob@home.example"]', [HOME]],
            ['emails[type eq "work"].value', [{ value: WORK.value }]],
            ['emails[type eq work].value', [{ value: WORK.value }]],
            ['emails[type eq "other"]', undefined],
          ]
          for (const [name, emails] of cases) {
            const res = await c.get(`/Users?${bobFilter}&${attr(name)}`).expect(200)
            const [r] = res.body.Resources as Resource[]
            assert.equal(r?.id, bob.id)
            assert.deepEqual(r?.emails, emails, name)
            assert.equal(r?.userName, undefined, 'only what is asked for, and id')
          }
        })

        it('excludedAttributes: leaves out the matching values', async () => {
          const res = await c.get(`/Users/${bob.id}?excludedAttributes=${encodeURIComponent('emails[type eq "work"]')}`).expect(200)
          assert.deepEqual(res.body.emails, [HOME])
          assert.equal(res.body.userName, 'bob')
        })

        it('GET by id and .search bodies', async () => {
          const one = await c.get(`/Users/${bob.id}?${attr('emails[type eq "work"]')}`).expect(200)
          assert.deepEqual(one.body.emails, [WORK])
          const search = await c.post('/Users/.search', { schemas: [SEARCH], filter: 'userName eq "bob"', attributes: ['userName', 'emails[type eq "work"].value'] }).expect(200)
          assert.deepEqual(search.body.Resources[0].emails, [{ value: WORK.value }])
          assert.equal(search.body.Resources[0].userName, 'bob')
          const comma = await c.post('/Users/.search', { schemas: [SEARCH], filter: 'userName eq "bob"', attributes: 'emails[value eq "a,b" or type eq "home"],userName' }).expect(200)
          assert.deepEqual(comma.body.Resources[0].emails, [HOME])
        })

        it('POST, PUT and PATCH responses', async () => {
          const shape = attr('emails[type eq "work"].value')
          const created = await c.post(`/Users?${shape}`, { schemas: [USER], userName: 'shaped', emails: [WORK, HOME] }).expect(201)
          assert.deepEqual(created.body.emails, [{ value: WORK.value }])
          assert.equal(created.body.userName, undefined)
          const id = created.body.id as string
          const put = await c.put(`/Users/${id}?${shape}`, { schemas: [USER], userName: 'shaped', emails: [HOME, { ...WORK, value: 'w2@work.example' }] }).expect(200)
          assert.deepEqual(put.body.emails, [{ value: 'w2@work.example' }])
          const patched = await c.patch(`/Users/${id}?${attr('emails[type eq "home"]')}`, patchOp({ op: 'add', path: 'displayName', value: 'S' })).expect(200)
          assert.deepEqual(patched.body.emails, [HOME])
        })

        it('Group members', async () => {
          const g = (await c.post('/Groups', { schemas: [GROUP], displayName: 'G', members: [{ value: bob.id }, { value: olga.id }] }).expect(201)).body as Resource
          const res = await c.get(`/Groups/${g.id}?${attr(`members[value eq "${olga.id}"].value`)}`).expect(200)
          assert.deepEqual(res.body.members, [{ value: olga.id }])
        })

        it('refuses a filter that does not parse or fit (invalidFilter) and one on a singular attribute (invalidValue)', async () => {
          const bad = await c.get(`/Users/${bob.id}?${attr('emails[type xx "work"]')}`).expect(400)
          assert.equal(bad.body.scimType, 'invalidFilter')
          const singular = await c.get(`/Users/${bob.id}?${attr('name[givenName eq "x"]')}`).expect(400)
          assert.equal(singular.body.scimType, 'invalidValue')
        })
      })
    })

    describe('strict mode', () => {
      let c: ScimClient
      let bob: Resource
      before(async () => {
        c = await fx.client({ strict: true })
        ;({ bob } = await people(c))
      })

      it('refuses unquoted filter values: 400 invalidFilter', async () => {
        for (const filter of ['name.familyName eq Employee', 'userName sw O', 'meta.created gt 2015-10-10T14:38:21.8617979-07:00', 'userName eq bob and active eq true']) {
          const res = await c.get(`/Users?filter=${encodeURIComponent(filter)}`).expect(400)
          assert.equal(res.body.scimType, 'invalidFilter', filter)
          assert.match(res.body.detail, /strings must be enclosed in double quotes|invalid number/)
        }
        const patch = await c.patch(`/Users/${bob.id}`, patchOp({ op: 'replace', path: 'emails[type eq work].value', value: 'x@y' })).expect(400)
        assert.equal(patch.body.scimType, 'invalidFilter')
      })

      it('compares quoted dateTimes finer than milliseconds, with an offset (RFC syntax)', async () => {
        const inside = at7(bob.meta.created, '9999')
        assert.deepEqual(await ids(c, `userName eq "bob" and meta.created lt "${inside}"`), [bob.id])
        assert.deepEqual(await ids(c, `userName eq "bob" and meta.created ge "${inside}"`), [])
      })

      it('refuses value-filtered attributes and excludedAttributes: 400 invalidValue', async () => {
        for (const q of ['attributes=emails[type eq "work"]', 'excludedAttributes=emails[type eq "work"].value']) {
          const [k, v] = q.split('=') as [string, string]
          const res = await c.get(`/Users/${bob.id}?${k}=${encodeURIComponent(v)}`).expect(400)
          assert.equal(res.body.scimType, 'invalidValue', q)
          assert.match(res.body.detail, /RFC 7644 §3\.10/)
        }
        const search = await c.post('/Users/.search', { schemas: [SEARCH], attributes: ['emails[type eq "work"]'] }).expect(400)
        assert.equal(search.body.scimType, 'invalidValue')
      })
    })
  })
}
