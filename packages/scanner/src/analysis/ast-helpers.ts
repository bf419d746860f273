import type { Scope } from './scope'
import type { HandleValue, Value } from './values'

/** An ESTree node from oxc-parser, walked generically. */
export type AstNode = {
  readonly type: string
  readonly start: number
  readonly end: number
  // biome-ignore lint/suspicious/noExplicitAny: ESTree nodes from oxc-parser are walked generically.
  readonly [key: string]: any
}

/** Resolves a project import (relative or alias) to what the imported file exports. */
export type ImportResolver = (specifier: string, name: string) => Value | undefined

export const MODEL_KEYS: ReadonlySet<string> = new Set([
  'model',
  'modelName',
  'modelId',
  'model_name',
  'deployment',
  'deploymentName',
  'azureOpenAIApiDeploymentName',
])
export const NON_AI_ROOTS: RegExp =
  /^(prisma|db|database|knex|supabase|mongo\w*|drizzle|repo\w*|store|orm|sequelize|redis|firestore|tx)$/i
export const OPENAI_FAMILY: readonly string[] = ['openai', 'groq-sdk', '@azure/openai']
export const COLLECTIONS: ReadonlySet<string> = new Set(['Map', 'Set', 'WeakMap', 'Array'])
export const COLLECTION_PUTS: ReadonlySet<string> = new Set(['set', 'add', 'push', 'unshift'])
export const COLLECTION_GETS: ReadonlySet<string> = new Set(['get', 'at', 'find', 'pop', 'shift', 'values'])
export const INTEROP_HELPERS: ReadonlySet<string> = new Set([
  '__importDefault',
  '__importStar',
  '_interopRequireDefault',
  '_interopRequireWildcard',
  '__toESM',
  '__toCommonJS',
])

export function mimaExport(name: string): Value | undefined {
  if (name === 'createMima' || name === 'runAttested' || name === 'default' || name === '*')
    return name === 'createMima' ? { kind: 'function', returns: { kind: 'mima' } } : { kind: 'mima' }
  if (name === 'wrapOpenAI' || name === 'wrapAnthropic') return { kind: 'marker', marker: 'wrap-client' }
  if (/middleware/i.test(name)) return { kind: 'marker', marker: 'ai-middleware' }
  return undefined
}

export function argsAttested(args: ReadonlyArray<Value | undefined>): boolean {
  const options = args[0]
  if (options?.kind !== 'object-literal') return false
  const model = options.members.get('model')
  return (model?.kind === 'model' || model?.kind === 'handle') && (model as HandleValue).attested === true
}

export function isExportsObject(node: AstNode, scope: Scope): boolean {
  if (node.type === 'Identifier') return node.name === 'exports' && !scope.lookup('exports')
  return (
    node.type === 'MemberExpression' &&
    node.object.type === 'Identifier' &&
    node.object.name === 'module' &&
    !node.computed &&
    node.property.name === 'exports'
  )
}

export function literalUrl(node: AstNode | undefined): string | undefined {
  if (!node) return undefined
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value
  if (node.type === 'NewExpression' && node.callee.type === 'Identifier' && node.callee.name === 'URL')
    return literalUrl(node.arguments[0])
  return undefined
}

export function unwrap(node: AstNode): AstNode {
  let current = node
  while (
    current.type === 'ParenthesizedExpression' ||
    current.type === 'TSAsExpression' ||
    current.type === 'TSNonNullExpression' ||
    current.type === 'TSSatisfiesExpression' ||
    current.type === 'ChainExpression'
  )
    current = current.expression
  return current
}

export function calleeText(node: AstNode, source: string): string {
  const text = source.slice(node.start, node.end).replace(/\s+/g, ' ')
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

export function patternIdentifiers(pattern: AstNode): AstNode[] {
  if (pattern.type === 'Identifier') return [pattern]
  if (pattern.type === 'ObjectPattern')
    return pattern.properties.flatMap((property: AstNode) =>
      patternIdentifiers(property.type === 'RestElement' ? property.argument : property.value),
    )
  if (pattern.type === 'ArrayPattern') return pattern.elements.filter(Boolean).flatMap(patternIdentifiers)
  if (pattern.type === 'AssignmentPattern') return patternIdentifiers(pattern.left)
  return []
}

export const STATEMENT_TYPES: ReadonlySet<string> = new Set([
  'ImportDeclaration',
  'VariableDeclaration',
  'FunctionDeclaration',
  'ClassDeclaration',
  'ExportNamedDeclaration',
  'ExportDefaultDeclaration',
  'ExportAllDeclaration',
  'BlockStatement',
  'StaticBlock',
  'ReturnStatement',
  'ForStatement',
  'ForOfStatement',
  'ForInStatement',
  'ExpressionStatement',
  'IfStatement',
  'WhileStatement',
  'DoWhileStatement',
  'TryStatement',
  'SwitchStatement',
  'ThrowStatement',
  'LabeledStatement',
  'TSInterfaceDeclaration',
  'TSTypeAliasDeclaration',
  'TSDeclareFunction',
  'TSImportEqualsDeclaration',
  'TSModuleDeclaration',
  'TSEnumDeclaration',
])

export function isStatement(type: string): boolean {
  return STATEMENT_TYPES.has(type)
}
