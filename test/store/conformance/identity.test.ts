import { backends } from '../../support/stores.js'
import { describeConformance } from './identity.js'

for (const backend of backends()) describeConformance(backend)
