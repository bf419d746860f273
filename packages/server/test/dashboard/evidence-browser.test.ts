import { describe } from 'vitest'
import { TEST_TIMEOUT, useEvidenceConsole } from './evidence-console'
import { accessibilityTests, pageTests } from './evidence-page-tests'
import { proofTests } from './evidence-proof-tests'

// One server and one browser for all of these tests (starting Chromium and seeding the report data
// is the costly part): the tests themselves live in the files named by subject.
describe('console evidence pages in headless Chromium', { timeout: TEST_TIMEOUT }, () => {
  const app = useEvidenceConsole()
  proofTests(app)
  pageTests(app)
  accessibilityTests(app)
})
