#!/usr/bin/env node
// The `mima` executable. `mima`, `mima --help` and `mima --version` are answered from the
// command registry alone; everything else loads the runner and then only the command it runs.
import { formatTopHelp } from './cli/top-help'
import { VERSION } from './version'

const argv = process.argv.slice(2)
const only = argv.length === 1 ? argv[0] : undefined

if (argv.length === 0 || only === '--help' || only === '-h' || only === 'help') {
  process.stdout.write(formatTopHelp(VERSION))
} else if (only === '--version' || only === '-v') {
  process.stdout.write(`mima ${VERSION}\n`)
} else {
  const { runCli } = await import('./cli/run-cli')
  process.exitCode = await runCli({ argv })
}
