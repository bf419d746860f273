#!/usr/bin/env node
// Finds a Chromium (or Chrome) for the dashboard's browser tests: MIMA_CHROMIUM_PATH first, then
// the usual places on Linux and macOS, then the PATH. `node scripts/find-chromium.mjs` prints the
// path, or one line saying how to get one (exit 1).
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const KNOWN_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/opt/homebrew/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
]
const COMMAND_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome']

/** The one line printed when no browser is found. */
export const CHROMIUM_HINT =
  'The dashboard tests need Chromium or Chrome: install it (Debian/Ubuntu: `apt-get install -y chromium`, ' +
  'macOS: `brew install --cask chromium`) or set MIMA_CHROMIUM_PATH to its executable.'

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The Chromium executable to use, or undefined. A MIMA_CHROMIUM_PATH that is not executable is an
 * error (it was set on purpose), not a fallback.
 */
export function findChromium(env = process.env) {
  const configured = env.MIMA_CHROMIUM_PATH?.trim()
  if (configured) {
    if (!isExecutable(configured)) {
      throw new Error(`MIMA_CHROMIUM_PATH is set to ${configured}, which is not an executable file.`)
    }
    return configured
  }
  for (const path of KNOWN_PATHS) if (isExecutable(path)) return path
  for (const directory of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of COMMAND_NAMES) {
      const path = join(directory, name)
      if (isExecutable(path)) return path
    }
  }
  return undefined
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const path = findChromium()
    if (path === undefined) {
      console.error(CHROMIUM_HINT)
      process.exit(1)
    }
    console.log(path)
  } catch (error) {
    console.error(error.message)
    process.exit(1)
  }
}
