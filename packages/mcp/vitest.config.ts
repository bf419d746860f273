import { defineConfig } from 'vitest/config'
import { definePackageTests } from '../../vitest.shared.ts'

export default defineConfig(definePackageTests(import.meta.dirname))
