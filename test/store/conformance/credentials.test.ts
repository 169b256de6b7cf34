import { backends } from '../../support/stores.js'
import { describeConformance } from './credentials.js'

for (const backend of backends()) describeConformance(backend)
