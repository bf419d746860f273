import { defineConfig } from 'vitest/config'
import { definePackageTests } from '../../vitest.shared.ts'

const config = definePackageTests(import.meta.dirname, { globalSetup: ['./test/build-once.ts'] })
// Without the `module` condition: @opentelemetry/api (a dependency of @anthropic-ai/sdk) exports a
// `module` build with extensionless imports that Node cannot load natively.
const conditions = ['@mima/source', 'node', 'development|production']
config.resolve = { ...config.resolve, conditions }
config.ssr = { ...config.ssr, resolve: { ...config.ssr?.resolve, conditions } }

export default defineConfig(config)
