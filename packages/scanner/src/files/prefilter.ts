import { SDK_TEXT_PATTERN } from '../catalog/sdk-catalog'

/** Whether a file's text names an AI SDK module, so it must be parsed. */
export function mentionsAiSdk(source: string): boolean {
  return SDK_TEXT_PATTERN.test(source)
}

const SPECIFIER_PATTERN = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)(["'])([^"'\n]+)\1/g

/**
 * The module specifiers a file imports or re-exports that could be project files (relative,
 * or bare ones a `tsconfig` alias may map), found without parsing.
 */
export function projectSpecifiers(source: string): string[] {
  if (!source.includes('import') && !source.includes('require') && !source.includes('export')) return []
  const found = new Set<string>()
  for (const match of source.matchAll(SPECIFIER_PATTERN)) {
    const specifier = match[2] as string
    if (specifier.startsWith('node:')) continue
    found.add(specifier)
  }
  return [...found]
}
