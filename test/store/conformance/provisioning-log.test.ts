import { backends } from '../../support/stores.js'
import { describeConformance } from './provisioning-log.js'

for (const backend of backends()) describeConformance(backend)
