import { backends } from '../../support/stores.js'
import { describeConformance } from './audit.js'

for (const backend of backends()) describeConformance(backend)
