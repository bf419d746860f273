import type { CommandSpec } from '../cli/command'
import { EXIT_CODES } from '../cli/exit-codes'

/** `mima guard` (work in progress). */
export const guardCommand: CommandSpec = {
  name: 'guard',
  summary: 'guard',
  usage: ['guard'],
  async run() {
    return EXIT_CODES.failed
  },
}
