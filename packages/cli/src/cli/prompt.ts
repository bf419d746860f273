import { createInterface } from 'node:readline'

/**
 * Asks one question on the terminal. With `secret`, what the user types is not echoed.
 * Returns `undefined` when stdin is closed before an answer.
 */
export async function prompt(
  question: string,
  options: { secret?: boolean } = {},
): Promise<string | undefined> {
  const readline = createInterface({ input: process.stdin, output: process.stderr, terminal: true })
  if (options.secret) {
    const internal = readline as unknown as { _writeToOutput: (text: string) => void }
    let asked = false
    internal._writeToOutput = (text: string) => {
      if (!asked) {
        process.stderr.write(text)
        asked = true
      }
    }
  }
  return new Promise((resolve) => {
    let answered = false
    readline.question(question, (answer) => {
      answered = true
      if (options.secret) process.stderr.write('\n')
      readline.close()
      resolve(answer.trim())
    })
    readline.on('close', () => {
      if (!answered) resolve(undefined)
    })
  })
}
