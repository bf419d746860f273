#!/usr/bin/env node
// The `mima` executable. `mima`, `mima --help` and `mima --version` are answered from the
// command registry alone; everything else loads the runner and then only the command it runs.
import { formatTopHelp } from './cli/top-help'
import { VERSION } from './version'

// A reader that closes the pipe early (`mima scan | head`) ends our output, not the command: the
// command still finishes and sets the exit code, and the closed pipe is no stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error
  })
}

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
