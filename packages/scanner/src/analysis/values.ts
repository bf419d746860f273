/**
 * The abstract values the analyser tracks. Only plain data, so the values a file exports can
 * cross worker threads and feed the analysis of the files that import them.
 */

/** A module namespace of an AI SDK (`import * as ai from 'ai'`, `require('openai')`). */
export interface ModuleValue {
  readonly kind: 'module'
  readonly library: string
  readonly specifier: string
}

/** One export of an AI SDK module, before it is called or constructed. */
export interface ExportValue {
  readonly kind: 'export'
  readonly library: string
  readonly name: string
}

/** A handle of an SDK type: a client, a resource under it, a model. */
export interface HandleValue {
  readonly kind: 'handle'
  readonly library: string
  readonly type: string
  /** Wrapped by `wrapOpenAI`/`wrapAnthropic` or our AI SDK middleware: its calls are attested. */
  readonly attested: boolean
}

/** A model handle from an AI SDK provider (`openai('gpt-4o')`); `attested` when wrapped with our middleware. */
export interface ModelValue {
  readonly kind: 'model'
  readonly attested: boolean
}

/** An object with known members: a class instance, an object literal, another file's namespace. */
export interface ShapeValue {
  readonly kind: 'shape'
  readonly members: Readonly<Record<string, Value>>
  /** What members not listed resolve through (a base class). */
  readonly base?: Value
}

/** A class: `new` gives an instance shape. */
export interface ClassValue {
  readonly kind: 'class'
  readonly instance: ShapeValue
}

/** A function whose result is known (a factory returning a client). */
export interface FunctionValue {
  readonly kind: 'function'
  readonly returns?: Value
}

/** Local-only references into the file being analysed (never exported). */
export interface LocalFunctionValue {
  readonly kind: 'local-function'
  readonly id: number
}
export interface LocalClassValue {
  readonly kind: 'local-class'
  readonly id: number
}
export interface LocalObjectValue {
  readonly kind: 'local-object'
  readonly classId: number
}
export interface ObjectLiteralValue {
  readonly kind: 'object-literal'
  readonly members: ReadonlyMap<string, Value>
}

/** A Map, Set or array created in this file: what is put in comes out (`clients.get(key)`). */
export interface CollectionValue {
  readonly kind: 'collection'
  readonly id: number
}

/** The Mima client or its package (for `attest`/`trace`), and the attest function itself. */
export interface MimaValue {
  readonly kind: 'mima'
}

/** An MCP transport export, or the `wrapOpenAI`-style wrappers and our AI SDK middleware. */
export interface MarkerValue {
  readonly kind: 'marker'
  readonly marker: 'wrap-client' | 'ai-middleware' | 'wrap-language-model'
}

export type Value =
  | ModuleValue
  | ExportValue
  | HandleValue
  | ModelValue
  | ShapeValue
  | ClassValue
  | FunctionValue
  | LocalFunctionValue
  | LocalClassValue
  | LocalObjectValue
  | ObjectLiteralValue
  | CollectionValue
  | MimaValue
  | MarkerValue

/** What a file exports, by exported name; `*` re-exports are kept as specifiers to follow. */
export interface FileExports {
  readonly values: Record<string, Value>
  /** `export { a as b } from './x'`: exported name → [specifier, imported name]. */
  readonly reexports: Record<string, readonly [string, string]>
  /** `export * from './x'`. */
  readonly stars: readonly string[]
}
