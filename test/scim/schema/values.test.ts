import assert from 'node:assert/strict'
import { normaliseDateTime } from '../../../src/scim/schema/values.js'

describe('scim/schema/values', () => {
  describe('normaliseDateTime: one reading of xsd:dateTime for stored values and filter operands', () => {
    const endOfDay = { endOfDay: true }

    it('reads every value as stored values are read, whether or not 24:00:00 is allowed', () => {
      const cases = [
        '2008-01-23T04:56:22Z', '2008-01-23T04:56:22', '2008-01-23T04:56:22.5-05:30', '2008-01-23T04:56:22.123456789+00:00', '2000-02-29T00:00:00Z',
        '0050-06-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2024-01-01T00:00:00+14:00', '2024-01-01T00:00:00-14:00',
        // refused by both: no year 0000, no zone beyond ±14:00, no leap day outside leap years, no 60th second
        '0000-01-01T00:00:00Z', '2024-01-01T00:00:00+14:30', '2024-01-01T00:00:00+15:00', '1900-02-29T00:00:00Z', '2024-01-01T00:00:60Z', '2024-01-01', 'now', '',
      ]
      for (const text of cases) assert.equal(normaliseDateTime(text, endOfDay), normaliseDateTime(text), text)
      assert.equal(normaliseDateTime('0000-01-01T00:00:00Z', endOfDay), undefined)
      assert.equal(normaliseDateTime('2024-01-01T00:00:00+14:30', endOfDay), undefined)
    })

    it('takes 24:00:00 as the first instant of the next day only where it bounds a range (filter operands)', () => {
      assert.equal(normaliseDateTime('2024-02-29T24:00:00Z'), undefined)
      assert.equal(normaliseDateTime('2024-02-29T24:00:00Z', endOfDay), '2024-03-01T00:00:00.000Z')
      assert.equal(normaliseDateTime('2008-12-31T24:00:00.000-01:00', endOfDay), '2009-01-01T01:00:00.000Z')
      for (const bad of ['2024-02-29T24:00:00.001Z', '2024-02-29T24:01:00Z', '2024-02-29T24:00:01Z', '9999-12-31T24:00:00Z']) {
        assert.equal(normaliseDateTime(bad, endOfDay), undefined, bad)
      }
    })
  })
})
