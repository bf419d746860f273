import { defineConfig } from 'tsdown'
import { definePackageBuild } from '../../tsdown.shared.ts'

export default defineConfig({
  ...definePackageBuild({
    directory: import.meta.dirname,
    entry: {
      index: 'src/index.ts',
      vitest: 'src/vitest.ts',
      jest: 'src/jest.ts',
      'node-test': 'src/node-test.ts',
      register: 'src/register.ts',
      daemon: 'src/daemon/daemon-main.ts',
    },
    platform: 'node',
  }),
  // `import.meta.url` in the CommonJS build (the guard resolves SDKs and its daemon from itself)
  shims: true,
})
