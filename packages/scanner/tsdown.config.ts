import { defineConfig } from 'tsdown'
import { definePackageBuild } from '../../tsdown.shared.ts'

// The worker thread runs its own entry; `shims` gives the CommonJS build an `import.meta.url`.
export default defineConfig({
  ...definePackageBuild({
    directory: import.meta.dirname,
    entry: { index: 'src/index.ts', 'scan-worker': 'src/scan/scan-worker.ts' },
    platform: 'node',
  }),
  shims: true,
})
