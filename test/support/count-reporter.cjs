'use strict'

// Mocha reporter: mocha's own Spec reporter (same output, same summary) that also writes
// { "passes": N, "failures": N, "pending": N } as JSON to the file named by ROSTER_TEST_STATS.
// test/run.mjs reads that file to print the final "N passed, N failed" line.
//
// Every "fail" event counts, so a failing hook (before/after/beforeEach/afterEach) is one failure,
// and so is an uncaught error that mocha attributes to the run.

const fs = require('node:fs')
const path = require('node:path')

const mocha = require('mocha')
const reporters = mocha.reporters || (mocha.default && mocha.default.reporters)
const Spec = reporters.Spec
const Runner = mocha.Runner || (mocha.default && mocha.default.Runner)
const {
  EVENT_TEST_PASS = 'pass',
  EVENT_TEST_FAIL = 'fail',
  EVENT_TEST_PENDING = 'pending',
  EVENT_RUN_END = 'end',
} = (Runner && Runner.constants) || {}

class CountReporter extends Spec {
  constructor(runner, options) {
    super(runner, options)
    this.counts = { passes: 0, failures: 0, pending: 0 }
    this.ended = false
    this.statsFile = process.env.ROSTER_TEST_STATS || null

    runner.on(EVENT_TEST_PASS, () => {
      this.counts.passes++
      if (this.ended) this.writeStats()
    })
    runner.on(EVENT_TEST_FAIL, () => {
      this.counts.failures++
      if (this.ended) this.writeStats()
    })
    runner.on(EVENT_TEST_PENDING, () => {
      this.counts.pending++
      if (this.ended) this.writeStats()
    })
    runner.once(EVENT_RUN_END, () => {
      this.ended = true
      this.writeStats()
    })
  }

  // Mocha calls reporter.done(failures, fn) at the very end of the run when it exists.
  done(failures, fn) {
    this.ended = true
    this.writeStats()
    fn(failures)
  }

  writeStats() {
    if (!this.statsFile) return
    const tmp = path.join(path.dirname(this.statsFile), `.${path.basename(this.statsFile)}.${process.pid}.tmp`)
    try {
      fs.writeFileSync(tmp, JSON.stringify(this.counts) + '\n')
      fs.renameSync(tmp, this.statsFile)
    } catch (err) {
      process.stderr.write(`count-reporter: could not write ${this.statsFile}: ${err.message}\n`)
    }
  }
}

CountReporter.description = 'spec, plus pass/fail/pending counts written to $ROSTER_TEST_STATS'

module.exports = CountReporter
