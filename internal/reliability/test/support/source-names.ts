// Query parameter and body field names the server reads, collected from its source so the fuzzer
// sends hostile values under names that reach real code, including names added after this suite.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const SERVER_SOURCE = join(import.meta.dirname, '..', '..', '..', '..', 'packages', 'server', 'src')

function sourceText(): string {
  const files = readdirSync(SERVER_SOURCE, { recursive: true, encoding: 'utf8' }).filter(
    (file) => /\.tsx?$/.test(file) && !file.includes('.test.'),
  )
  return files.map((file) => readFileSync(join(SERVER_SOURCE, file), 'utf8')).join('\n')
}

function namesOf(text: string, patterns: RegExp[]): string[] {
  const names = new Set<string>()
  for (const pattern of patterns)
    for (const match of text.matchAll(pattern)) if (match[1]) names.add(match[1])
  return [...names].sort()
}

const text = sourceText()

/** Every query parameter name a route reads (`stringQuery(c, 'since')`, `c.req.query('cursor')`, …). */
export const QUERY_NAMES: readonly string[] = namesOf(text, [
  /\w*[qQ]uery\(\s*(?:c|context),\s*'([a-z_]+)'/g,
  /req\.query\('([a-z_]+)'\)/g,
])

/** Every body or form field name a route reads (`requiredString(body, 'name')`, `body.email`, …). */
export const FIELD_NAMES: readonly string[] = namesOf(text, [
  /\b(?:required|optional)[A-Z]\w*\(\s*\w+,\s*'([a-z_]+)'/g,
  /\b(?:body|form|record|input|raw|entry|item)\.([a-z][a-z_]+)\b/g,
  /\b(?:body|form|record)\['([a-z_]+)'\]/g,
])
