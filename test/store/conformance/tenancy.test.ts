import { backends } from '../../support/stores.js'
import { describeConformance } from './tenancy.js'

for (const backend of backends()) describeConformance(backend)
