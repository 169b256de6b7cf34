import { backends } from '../../support/stores.js'
import { describeConformance } from './sign-in.js'

for (const backend of backends()) describeConformance(backend)
