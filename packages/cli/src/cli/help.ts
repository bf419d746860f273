import type { CommandSpec, OptionSpecs } from './command'
import { GLOBAL_OPTIONS } from './parse-args'

function flagLabel(name: string, spec: OptionSpecs[string]): string {
  const short = spec.short ? `-${spec.short}, ` : '    '
  const value = spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : ''
  return `${short}--${name}${value}`
}

/** Formats a block of flags as two aligned columns. */
export function formatOptions(options: OptionSpecs): string[] {
  const entries = Object.entries(options).filter(([, spec]) => !spec.hidden)
  const labels = entries.map(([name, spec]) => flagLabel(name, spec))
  const width = Math.min(34, Math.max(0, ...labels.map((label) => label.length)))
  return entries.map(([, spec], index) => {
    const label = labels[index]!
    const extra = [
      spec.required ? 'required' : undefined,
      spec.defaultLabel ? `default ${spec.defaultLabel}` : undefined,
    ]
      .filter(Boolean)
      .join(', ')
    const description = extra ? `${spec.description} (${extra})` : spec.description
    return label.length > width
      ? `  ${label}\n  ${' '.repeat(width)}  ${description}`
      : `  ${label.padEnd(width)}  ${description}`
  })
}

/** The full `--help` text of a command or command group. */
export function formatCommandHelp(spec: CommandSpec, path: string): string {
  const lines: string[] = ['Usage:']
  for (const usage of spec.usage) lines.push(`  mima ${usage}`)
  lines.push('', spec.description ?? spec.summary)
  if (spec.aliases && spec.aliases.length > 0) lines.push(`Aliases: ${spec.aliases.join(', ')}`)
  if (spec.subcommands && spec.subcommands.length > 0) {
    lines.push('', 'Commands:')
    const width = Math.max(...spec.subcommands.map((sub) => sub.name.length))
    for (const sub of spec.subcommands) lines.push(`  ${sub.name.padEnd(width)}  ${sub.summary}`)
    lines.push('', `Run \`${path} <command> --help\` for the flags of each.`)
  }
  if (spec.options && Object.keys(spec.options).length > 0) {
    lines.push('', 'Flags:', ...formatOptions(spec.options))
  }
  const globals = spec.json
    ? GLOBAL_OPTIONS
    : { ...GLOBAL_OPTIONS, json: { ...GLOBAL_OPTIONS.json!, hidden: true } }
  lines.push('', 'Global flags:', ...formatOptions(globals))
  if (spec.notes) lines.push('', spec.notes)
  if (spec.examples && spec.examples.length > 0) {
    lines.push('', 'Examples:', ...spec.examples.map((example) => `  $ ${example}`))
  }
  return `${lines.join('\n')}\n`
}
