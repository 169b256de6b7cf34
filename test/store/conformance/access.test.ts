import { backends } from '../../support/stores.js'
import { describeConformance } from './access.js'

for (const backend of backends()) describeConformance(backend)
