import { backends } from '../../support/stores.js'
import { describeConformance } from './directory-sync.js'

for (const backend of backends()) describeConformance(backend)
