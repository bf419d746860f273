import type { CommandSpec } from '../cli/command'
import { EXIT_CODES } from '../cli/exit-codes'

/** `mima verify` (work in progress). */
export const verifyCommand: CommandSpec = {
  name: 'verify',
  summary: 'verify',
  usage: ['verify'],
  async run() {
    return EXIT_CODES.failed
  },
}
