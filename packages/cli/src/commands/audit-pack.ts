import type { CommandSpec } from '../cli/command'
import { EXIT_CODES } from '../cli/exit-codes'

/** `mima audit-pack` (work in progress). */
export const auditPackCommand: CommandSpec = {
  name: 'audit-pack',
  summary: 'audit-pack',
  usage: ['audit-pack'],
  async run() {
    return EXIT_CODES.failed
  },
}
