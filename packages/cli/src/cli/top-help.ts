import { COMMANDS } from '../commands/registry'
import { EXIT_CODE_HELP } from './exit-codes'

/** The text of `mima --help`. Built from the registry only, so it loads no command module. */
export function formatTopHelp(version: string): string {
  const lines = [
    `mima ${version}: the Mima governance command line`,
    '',
    'Usage:',
    '  mima <command> [flags]',
    '  mima <command> --help',
  ]
  const width = Math.max(...COMMANDS.map((entry) => entry.name.length))
  for (const group of ['Account', 'Evidence', 'Posture', 'Operations', 'Server'] as const) {
    lines.push('', `${group}:`)
    for (const entry of COMMANDS.filter((command) => command.group === group && !command.hidden)) {
      lines.push(`  ${entry.name.padEnd(width)}  ${entry.summary}`)
    }
  }
  lines.push(
    '',
    'Global flags:',
    '  -h, --help        Show help (also `mima help <command>`)',
    '  -v, --version     Print the version',
    '      --json        Machine-readable JSON on stdout',
    '      --no-color    No colour (colour is used only on a terminal; NO_COLOR is respected)',
    '      --base-url    Server URL, with or without a trailing /api',
    '',
    'Configuration (first found wins):',
    '  API key       MIMA_API_KEY, then ~/.mima/config.json',
    '  workspace     MIMA_WORKSPACE_ID, then ~/.mima/config.json',
    '  server URL    --base-url, MIMA_BASE_URL, ~/.mima/config.json, http://127.0.0.1:8080',
    '',
    EXIT_CODE_HELP,
    '',
    'Examples:',
    '  $ mima serve',
    '  $ mima login --url http://127.0.0.1:8080 --api-key mima_...',
    '  $ mima push change_event --by ci@example.com --description "Deploy v1.4" --environment production --system checkout',
    '  $ mima status',
    '  $ mima gates check',
  )
  return `${lines.join('\n')}\n`
}
