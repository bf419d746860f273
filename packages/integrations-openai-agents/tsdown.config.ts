import { defineConfig } from 'tsdown'
import { definePackageBuild } from '../../tsdown.shared.ts'

export default defineConfig(definePackageBuild({ directory: import.meta.dirname }))
