import { defineConfig } from 'vitest/config'
import { definePackageTests } from '../../vitest.shared.ts'

// The longest package: two files at once (vitest's default on 2 cores is one), since most of its
// time is spent waiting on servers, PGlite and the browser rather than computing.
export default defineConfig(definePackageTests(import.meta.dirname, { maxWorkers: 2 }))
