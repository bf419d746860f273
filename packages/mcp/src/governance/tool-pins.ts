import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { MimaError } from '@mima/core'

/** The approved definition hash of each tool, per upstream server. */
export interface ToolPins {
  /** The approved hash of `tool` on `server`, when one was recorded. */
  get(server: string, tool: string): string | undefined
  /** Records `hash` as approved (the first time a tool is seen, or when a person re-approves it). */
  set(server: string, tool: string, hash: string): void
}

type PinFile = Record<string, Record<string, string>>

/**
 * Tool pins kept in memory, or in a JSON file when `file` is given (`{ server: { tool: sha256 } }`,
 * written atomically). A tool seen for the first time is pinned as it is (trust on first use);
 * editing or deleting its entry re-approves it.
 */
export function createToolPins(options: { readonly file?: string | undefined } = {}): ToolPins {
  const file = options.file
  let pins: PinFile = {}
  if (file !== undefined) {
    try {
      pins = JSON.parse(readFileSync(file, 'utf8')) as PinFile
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new MimaError(
          'config_invalid',
          `The tool pin file ${file} is not valid JSON: fix or delete it.`,
          {
            cause: error,
          },
        )
      }
    }
    if (typeof pins !== 'object' || pins === null || Array.isArray(pins)) {
      throw new MimaError('config_invalid', `The tool pin file ${file} must hold a JSON object.`)
    }
  }
  const save = (): void => {
    if (file === undefined) return
    mkdirSync(dirname(file), { recursive: true })
    const temporary = `${file}.${process.pid}.tmp`
    writeFileSync(temporary, `${JSON.stringify(pins, null, 2)}\n`, { mode: 0o600 })
    renameSync(temporary, file)
  }
  return {
    get: (server, tool) => {
      const hash = pins[server]?.[tool]
      return typeof hash === 'string' ? hash : undefined
    },
    set(server, tool, hash) {
      if (pins[server]?.[tool] === hash) return
      pins[server] = { ...pins[server], [tool]: hash }
      save()
    },
  }
}
