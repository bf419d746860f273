import { defineConfig } from 'tsdown'
import { definePackageBuild } from '../../tsdown.shared.ts'

// Node only: the proxy spawns processes, serves HTTP and keeps a pin file.
export default defineConfig(definePackageBuild({ directory: import.meta.dirname, platform: 'node' }))
