import { backends } from '../../support/stores.js'
import { describeConformance } from './notices.js'

for (const backend of backends()) describeConformance(backend)
