import {
  HEURISTIC_PATHS,
  libraryByName,
  libraryForSpecifier,
  type SdkExport,
  type SdkLibrary,
} from '../catalog/sdk-catalog'
import type { FileFacts, McpServerReference, RawFinding } from './finding'
import { Scope } from './scope'
import type { FileExports, HandleValue, Value } from './values'

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

const MODEL_KEYS = new Set([
  'model',
  'modelName',
  'modelId',
  'model_name',
  'deployment',
  'deploymentName',
  'azureOpenAIApiDeploymentName',
])
const NON_AI_ROOTS =
  /^(prisma|db|database|knex|supabase|mongo\w*|drizzle|repo\w*|store|orm|sequelize|redis|firestore|tx)$/i
const OPENAI_FAMILY = ['openai', 'groq-sdk', '@azure/openai']
const COLLECTIONS = new Set(['Map', 'Set', 'WeakMap', 'Array'])
const COLLECTION_PUTS = new Set(['set', 'add', 'push', 'unshift'])
const COLLECTION_GETS = new Set(['get', 'at', 'find', 'pop', 'shift', 'values'])
const INTEROP_HELPERS = new Set([
  '__importDefault',
  '__importStar',
  '_interopRequireDefault',
  '_interopRequireWildcard',
  '__toESM',
  '__toCommonJS',
])

interface FunctionInfo {
  readonly params: number[]
}

/**
 * Walks one file's AST with a scope chain and abstract values. Run it twice (`emit` false, then
 * true): the first pass learns what later code assigns (class fields, parameters bound at call
 * sites, wrapped functions), the second reports call sites with that knowledge.
 */
export class Evaluator {
  readonly slots: Map<number, Value> = new Map()
  readonly returns: Map<number, Value> = new Map()
  readonly fields: Map<number, Map<string, Value>> = new Map()
  readonly bases: Map<number, Value> = new Map()
  readonly constructors: Map<number, number> = new Map()
  readonly functions: Map<number, FunctionInfo> = new Map()
  readonly attestedFunctions: Set<number> = new Set()
  readonly elements: Map<number, Value> = new Map()
  readonly exports: {
    values: Record<string, Value>
    reexports: Record<string, readonly [string, string]>
    stars: string[]
  } = {
    values: {},
    reexports: {},
    stars: [],
  }
  readonly facts: FileFacts = { findings: [], libraries: [], models: [], mcpServers: [] }
  private readonly libraries = new Set<string>()
  private readonly models = new Set<string>()
  private readonly seenFindings = new Set<number>()
  private readonly seenServers = new Set<number>()
  private emit = false
  private attestedDepth = 0
  private readonly source: string
  private readonly resolveImport: ImportResolver | undefined

  constructor(source: string, resolveImport: ImportResolver | undefined) {
    this.source = source
    this.resolveImport = resolveImport
  }

  /** Runs one pass over the program. */
  run(program: AstNode, emit: boolean): void {
    this.emit = emit
    this.attestedDepth = 0
    const scope = new Scope(undefined, -1, -1)
    this.statements(program.body, scope)
    if (emit) {
      this.facts.libraries.push(...this.libraries)
      this.facts.models.push(...this.models)
    }
  }

  /** What the file exports, as collected during the last pass. */
  fileExports(): FileExports {
    return this.exports
  }

  // ---- statements ----------------------------------------------------------------------

  private statements(body: readonly AstNode[], scope: Scope): void {
    for (const statement of body) this.hoist(statement, scope)
    for (const statement of body) this.statement(statement, scope)
  }

  private hoist(statement: AstNode, scope: Scope): void {
    const declaration =
      statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration'
        ? statement.declaration
        : statement
    if (!declaration?.id) return
    if (declaration.type === 'FunctionDeclaration') {
      this.declare(scope, declaration.id, { kind: 'local-function', id: declaration.start })
    } else if (declaration.type === 'ClassDeclaration') {
      this.declare(scope, declaration.id, { kind: 'local-class', id: declaration.start })
    }
  }

  private statement(node: AstNode | null, scope: Scope): void {
    if (!node) return
    switch (node.type) {
      case 'ImportDeclaration':
        this.importDeclaration(node, scope)
        return
      case 'VariableDeclaration':
        for (const declarator of node.declarations) {
          const value = declarator.init ? this.evaluate(declarator.init, scope) : undefined
          this.bindPattern(declarator.id, value ?? this.typeValue(declarator.id.typeAnnotation, scope), scope)
        }
        return
      case 'FunctionDeclaration':
        this.functionNode(node, scope, false)
        return
      case 'ClassDeclaration':
        this.classNode(node, scope)
        return
      case 'ExportNamedDeclaration':
        this.exportNamed(node, scope)
        return
      case 'ExportDefaultDeclaration': {
        const value = this.evaluate(node.declaration, scope)
        if (value) this.exports.values.default = value
        return
      }
      case 'ExportAllDeclaration':
        if (node.exported)
          this.exports.reexports[this.keyName(node.exported) ?? '*'] = [node.source.value, '*']
        else this.exports.stars.push(node.source.value)
        return
      case 'BlockStatement':
      case 'StaticBlock':
        this.statements(node.body, scope.block())
        return
      case 'ReturnStatement': {
        const value = node.argument ? this.evaluate(node.argument, scope) : undefined
        if (value && scope.functionId >= 0) this.returns.set(scope.functionId, value)
        return
      }
      case 'ForStatement':
      case 'ForOfStatement':
      case 'ForInStatement': {
        const inner = scope.block()
        if (node.type === 'ForOfStatement' && node.left.type === 'VariableDeclaration') {
          const iterable = this.evaluate(node.right, inner)
          const element = iterable?.kind === 'collection' ? this.elements.get(iterable.id) : undefined
          for (const declarator of node.left.declarations) this.bindPattern(declarator.id, element, inner)
          this.statement(node.body, inner)
          return
        }
        for (const key of ['init', 'left', 'right', 'test', 'update']) {
          const child = node[key]
          if (!child) continue
          if (child.type === 'VariableDeclaration') this.statement(child, inner)
          else this.evaluate(child, inner)
        }
        this.statement(node.body, inner)
        return
      }
      case 'TSInterfaceDeclaration':
      case 'TSTypeAliasDeclaration':
      case 'TSDeclareFunction':
      case 'TSImportEqualsDeclaration':
        return
      default:
        this.children(node, scope)
    }
  }

  private children(node: AstNode, scope: Scope): void {
    for (const key in node) {
      if (
        key === 'typeAnnotation' ||
        key === 'returnType' ||
        key === 'typeArguments' ||
        key === 'typeParameters'
      )
        continue
      const child = node[key]
      if (child === null || typeof child !== 'object') continue
      if (Array.isArray(child)) {
        for (const item of child) if (item && typeof item.type === 'string') this.visit(item, scope)
      } else if (typeof child.type === 'string') this.visit(child, scope)
    }
  }

  private visit(node: AstNode, scope: Scope): void {
    if (isStatement(node.type)) this.statement(node, scope)
    else if (node.type === 'SwitchCase' || node.type === 'CatchClause') {
      const inner = scope.block()
      if (node.type === 'CatchClause') {
        if (node.param) this.bindPattern(node.param, undefined, inner)
        this.statement(node.body, inner)
      } else {
        if (node.test) this.evaluate(node.test, inner)
        this.statements(node.consequent, inner)
      }
    } else this.evaluate(node, scope)
  }

  private importDeclaration(node: AstNode, scope: Scope): void {
    const specifier: string = node.source.value
    const library = libraryForSpecifier(specifier)
    if (library) this.libraries.add(library.name)
    for (const entry of node.specifiers) {
      const name =
        entry.type === 'ImportDefaultSpecifier'
          ? 'default'
          : entry.type === 'ImportNamespaceSpecifier'
            ? '*'
            : (this.keyName(entry.imported) ?? '')
      this.declare(scope, entry.local, this.importValue(specifier, name))
    }
  }

  private exportNamed(node: AstNode, scope: Scope): void {
    if (node.declaration) {
      this.statement(node.declaration, scope)
      const declaration = node.declaration
      const ids: AstNode[] =
        declaration.type === 'VariableDeclaration'
          ? declaration.declarations.flatMap((d: AstNode) => patternIdentifiers(d.id))
          : declaration.id
            ? [declaration.id]
            : []
      for (const id of ids) {
        const slot = scope.lookup(id.name)
        const value = slot === undefined ? undefined : this.slots.get(slot)
        if (value) this.exports.values[id.name] = value
      }
      return
    }
    for (const entry of node.specifiers) {
      const local = this.keyName(entry.local) ?? ''
      const exported = this.keyName(entry.exported) ?? local
      if (node.source) {
        this.exports.reexports[exported] = [node.source.value, local]
        continue
      }
      const slot = scope.lookup(local)
      const value = slot === undefined ? undefined : this.slots.get(slot)
      if (value) this.exports.values[exported] = value
    }
  }

  // ---- bindings ------------------------------------------------------------------------

  private declare(scope: Scope, id: AstNode, value: Value | undefined): void {
    scope.names.set(id.name, id.start)
    if (value) this.slots.set(id.start, value)
  }

  private bindPattern(pattern: AstNode, value: Value | undefined, scope: Scope): void {
    switch (pattern.type) {
      case 'Identifier':
        scope.names.set(pattern.name, pattern.start)
        if (value) this.slots.set(pattern.start, value)
        return
      case 'ObjectPattern':
        for (const property of pattern.properties) {
          if (property.type === 'RestElement') {
            this.bindPattern(property.argument, undefined, scope)
            continue
          }
          const key = property.computed ? undefined : this.keyName(property.key)
          this.bindPattern(property.value, key && value ? this.member(value, key) : undefined, scope)
        }
        return
      case 'AssignmentPattern': {
        const fallback = value ?? this.evaluate(pattern.right, scope)
        this.bindPattern(pattern.left, fallback, scope)
        return
      }
      case 'ArrayPattern':
        for (const element of pattern.elements) if (element) this.bindPattern(element, undefined, scope)
        return
      case 'RestElement':
        this.bindPattern(pattern.argument, undefined, scope)
        return
      case 'TSParameterProperty':
        this.bindPattern(pattern.parameter, value, scope)
        return
      default:
        return
    }
  }

  private lookup(name: string, scope: Scope): Value | undefined {
    const slot = scope.lookup(name)
    return slot === undefined ? undefined : this.slots.get(slot)
  }

  private importValue(specifier: string, name: string): Value | undefined {
    const library = libraryForSpecifier(specifier)
    if (library) {
      this.libraries.add(library.name)
      if (name === '*') return { kind: 'module', library: library.name, specifier }
      return this.exportValue(library, name)
    }
    if (specifier.startsWith('@mima/')) return mimaExport(name)
    return this.resolveImport?.(specifier, name)
  }

  private exportValue(library: SdkLibrary, name: string): Value | undefined {
    if (library.name === 'ai' && name === 'wrapLanguageModel')
      return { kind: 'marker', marker: 'wrap-language-model' }
    const meta = library.exports(name)
    if (!meta) return undefined
    if (meta.instance) return { kind: 'handle', library: library.name, type: meta.instance, attested: false }
    return { kind: 'export', library: library.name, name }
  }

  private typeValue(annotation: AstNode | null | undefined, scope: Scope): Value | undefined {
    let type = annotation?.type === 'TSTypeAnnotation' ? annotation.typeAnnotation : annotation
    if (!type) return undefined
    if (type.type === 'TSUnionType') {
      for (const member of type.types) {
        const value = this.typeValue(member, scope)
        if (value) return value
      }
      return undefined
    }
    if (type.type !== 'TSTypeReference') return undefined
    type = type.typeName
    const value = type.type === 'Identifier' ? this.lookup(type.name, scope) : undefined
    return value ? this.instantiate(value) : undefined
  }

  // ---- functions and classes -----------------------------------------------------------

  private functionNode(node: AstNode, scope: Scope, attested: boolean, classId = scope.classId): Value {
    const id = node.start
    const inner = new Scope(scope, id, node.type === 'ArrowFunctionExpression' ? scope.classId : classId)
    if (node.type === 'FunctionExpression' && node.id)
      this.declare(inner, node.id, { kind: 'local-function', id })
    const params: number[] = []
    for (const param of node.params) {
      const target = param.type === 'TSParameterProperty' ? param.parameter : param
      const identifier = target.type === 'AssignmentPattern' ? target.left : target
      params.push(identifier.start)
      const bound = this.slots.get(identifier.start) ?? this.typeValue(identifier.typeAnnotation, scope)
      this.bindPattern(target, bound, inner)
      if (param.type === 'TSParameterProperty' && inner.classId >= 0 && identifier.type === 'Identifier') {
        const value = this.slots.get(identifier.start)
        if (value) this.setField(inner.classId, identifier.name, value)
      }
    }
    this.functions.set(id, { params })
    const wrapped = attested || this.attestedFunctions.has(id)
    if (wrapped) this.attestedDepth++
    if (node.body?.type === 'BlockStatement') this.statements(node.body.body, inner)
    else if (node.body) {
      const value = this.evaluate(node.body, inner)
      if (value) this.returns.set(id, value)
    }
    if (wrapped) this.attestedDepth--
    return { kind: 'local-function', id }
  }

  private classNode(node: AstNode, scope: Scope): Value {
    const id = node.start
    const value: Value = { kind: 'local-class', id }
    if (node.id && node.type === 'ClassExpression') this.declare(scope, node.id, value)
    if (node.superClass) {
      const base = this.evaluate(node.superClass, scope)
      if (base) this.bases.set(id, base)
    }
    const inner = new Scope(scope, -1, id)
    if (node.id) this.declare(inner, node.id, value)
    for (const member of node.body.body) {
      if (member.type === 'PropertyDefinition' || member.type === 'AccessorProperty') {
        const name = member.computed ? undefined : this.keyName(member.key)
        const fieldValue = member.value
          ? this.evaluate(member.value, inner)
          : this.typeValue(member.typeAnnotation, inner)
        if (name && fieldValue && !member.static) this.setField(id, name, fieldValue)
      } else if (member.type === 'MethodDefinition' || member.type === 'TSAbstractMethodDefinition') {
        if (!member.value?.body && member.type !== 'MethodDefinition') continue
        const name = member.computed ? undefined : this.keyName(member.key)
        const attested = (member.decorators ?? []).some((decorator: AstNode) =>
          this.isAttestDecorator(decorator, inner),
        )
        const method = this.functionNode(member.value, inner, attested, id)
        if (member.kind === 'constructor') this.constructors.set(id, member.value.start)
        else if (name && member.kind === 'method') this.setField(id, name, method)
        else if (name && member.kind === 'get') {
          const returned = this.returns.get(member.value.start)
          if (returned) this.setField(id, name, returned)
        }
      } else if (member.type === 'StaticBlock') this.statement(member, inner)
    }
    return value
  }

  private setField(classId: number, name: string, value: Value): void {
    let fields = this.fields.get(classId)
    if (!fields) {
      fields = new Map()
      this.fields.set(classId, fields)
    }
    const existing = fields.get(name)
    if (existing?.kind === 'handle' && value.kind === 'local-function') return
    fields.set(name, value)
  }

  private isAttestDecorator(decorator: AstNode, scope: Scope): boolean {
    let expression = decorator.expression
    if (expression.type === 'CallExpression') expression = expression.callee
    if (expression.type === 'Identifier')
      return expression.name === 'attest' || this.lookup(expression.name, scope)?.kind === 'mima'
    return expression.type === 'MemberExpression' && this.keyName(expression.property) === 'attest'
  }

  // ---- expressions ---------------------------------------------------------------------

  /** Evaluates an expression, recording the call sites inside it. */
  evaluate(node: AstNode | null | undefined, scope: Scope): Value | undefined {
    if (!node) return undefined
    switch (node.type) {
      case 'Identifier':
        return this.lookup(node.name, scope)
      case 'ThisExpression':
        return scope.classId >= 0 ? { kind: 'local-object', classId: scope.classId } : undefined
      case 'ParenthesizedExpression':
      case 'TSAsExpression':
      case 'TSSatisfiesExpression':
      case 'TSNonNullExpression':
      case 'TSTypeAssertion':
      case 'TSInstantiationExpression':
      case 'ChainExpression':
      case 'AwaitExpression':
        return this.evaluate(node.expression ?? node.argument, scope)
      case 'SequenceExpression': {
        let last: Value | undefined
        for (const expression of node.expressions) last = this.evaluate(expression, scope)
        return last
      }
      case 'ConditionalExpression': {
        this.evaluate(node.test, scope)
        const consequent = this.evaluate(node.consequent, scope)
        const alternate = this.evaluate(node.alternate, scope)
        return consequent ?? alternate
      }
      case 'LogicalExpression': {
        const left = this.evaluate(node.left, scope)
        const right = this.evaluate(node.right, scope)
        return left ?? right
      }
      case 'AssignmentExpression':
        return this.assignment(node, scope)
      case 'MemberExpression': {
        const object = this.evaluate(node.object, scope)
        const name = this.propertyName(node)
        if (node.computed) this.evaluate(node.property, scope)
        if (object?.kind === 'collection' && node.computed) return this.elements.get(object.id)
        return object && name !== undefined ? this.member(object, name) : undefined
      }
      case 'CallExpression':
        return this.call(node, scope)
      case 'NewExpression':
        return this.construct(node, scope)
      case 'ImportExpression': {
        const source = node.source
        if (source.type === 'Literal' && typeof source.value === 'string')
          return this.importValue(source.value, '*')
        this.evaluate(source, scope)
        return undefined
      }
      case 'ObjectExpression':
        return this.objectLiteral(node, scope)
      case 'ArrayExpression': {
        let element: Value | undefined
        for (const item of node.elements) {
          if (!item) continue
          const value = this.evaluate(item.type === 'SpreadElement' ? item.argument : item, scope)
          element ??= value
        }
        if (element) this.elements.set(node.start, element)
        return { kind: 'collection', id: node.start }
      }
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        return this.functionNode(node, scope, false)
      case 'ClassExpression':
        return this.classNode(node, scope)
      case 'Literal':
      case 'TemplateLiteral':
        if (node.type === 'TemplateLiteral')
          for (const expression of node.expressions) this.evaluate(expression, scope)
        return undefined
      default:
        this.children(node, scope)
        return undefined
    }
  }

  private assignment(node: AstNode, scope: Scope): Value | undefined {
    const value = this.evaluate(node.right, scope)
    const left = node.left
    if (left.type === 'Identifier') {
      const slot = scope.lookup(left.name)
      if (slot !== undefined && value) this.slots.set(slot, value)
      return value
    }
    if (left.type !== 'MemberExpression') {
      if (left.type === 'ObjectPattern' || left.type === 'ArrayPattern') this.children(left, scope)
      return value
    }
    const name = this.propertyName(left)
    const objectNode = unwrap(left.object)
    // CommonJS exports: module.exports = …, exports.x = …, module.exports.x = …
    if (
      objectNode.type === 'Identifier' &&
      objectNode.name === 'module' &&
      name === 'exports' &&
      !scope.lookup('module')
    ) {
      if (value) {
        this.exports.values.default = value
        if (value.kind === 'object-literal')
          for (const [key, member] of value.members) this.exports.values[key] = member
        else if (value.kind === 'shape') Object.assign(this.exports.values, value.members)
      }
      return value
    }
    if (name !== undefined && value && isExportsObject(objectNode, scope)) {
      this.exports.values[name] = value
      return value
    }
    const object = this.evaluate(left.object, scope)
    if (object?.kind === 'local-object' && name !== undefined && value)
      this.setField(object.classId, name, value)
    return value
  }

  private objectLiteral(node: AstNode, scope: Scope): Value | undefined {
    const members = new Map<string, Value>()
    for (const property of node.properties) {
      if (property.type === 'SpreadElement') {
        const spread = this.evaluate(property.argument, scope)
        if (spread?.kind === 'object-literal')
          for (const [key, member] of spread.members) members.set(key, member)
        continue
      }
      if (property.computed) this.evaluate(property.key, scope)
      const key = property.computed ? undefined : this.keyName(property.key)
      const value = this.evaluate(property.value, scope)
      if (key !== undefined && value) members.set(key, value)
    }
    return members.size > 0 ? { kind: 'object-literal', members } : undefined
  }

  /** The value of `value.name`. */
  member(value: Value, name: string): Value | undefined {
    switch (value.kind) {
      case 'module': {
        const library = libraryByName(value.library)
        if (!library) return undefined
        return this.exportValue(library, name)
      }
      case 'handle': {
        const type = libraryByName(value.library)?.types[value.type]
        const memberType = type?.members?.[name]
        return memberType ? { ...value, type: memberType } : undefined
      }
      case 'shape':
        return value.members[name] ?? (value.base ? this.member(value.base, name) : undefined)
      case 'object-literal':
        return value.members.get(name)
      case 'local-object': {
        const own = this.fields.get(value.classId)?.get(name)
        if (own) return own
        const base = this.bases.get(value.classId)
        return base ? this.member(this.instantiate(base) ?? base, name) : undefined
      }
      case 'class':
        return undefined
      case 'mima':
        return name === 'attest' || name === 'trace' ? value : undefined
      default:
        return undefined
    }
  }

  /** What `new value()` gives. */
  private instantiate(value: Value): Value | undefined {
    switch (value.kind) {
      case 'export': {
        const meta = libraryByName(value.library)?.exports(value.name)
        return meta?.construct
          ? { kind: 'handle', library: value.library, type: meta.construct, attested: false }
          : undefined
      }
      case 'local-class':
        return { kind: 'local-object', classId: value.id }
      case 'module': {
        // `const OpenAI = require('openai'); new OpenAI()`: CommonJS hands out the default export.
        const library = libraryByName(value.library)
        const meta = library?.exports('default')
        return meta?.construct
          ? { kind: 'handle', library: value.library, type: meta.construct, attested: false }
          : undefined
      }
      case 'class':
        return value.instance
      case 'handle':
      case 'local-object':
      case 'shape':
        return value
      default:
        return undefined
    }
  }

  private construct(node: AstNode, scope: Scope): Value | undefined {
    const calleeNode = unwrap(node.callee)
    if (
      calleeNode.type === 'Identifier' &&
      COLLECTIONS.has(calleeNode.name) &&
      !scope.lookup(calleeNode.name)
    ) {
      for (const argument of node.arguments) this.evaluate(argument, scope)
      return { kind: 'collection', id: node.start }
    }
    const callee = this.evaluate(node.callee, scope)
    const args: Array<Value | undefined> = node.arguments.map((argument: AstNode) =>
      this.evaluate(argument, scope),
    )
    if (!callee) return undefined
    if (callee.kind === 'export') {
      const meta = libraryByName(callee.library)?.exports(callee.name)
      if (meta?.mcpTransport) this.recordMcpServer(node, meta.mcpTransport)
      if (meta?.construct) this.collectModels(node.arguments)
    }
    if (callee.kind === 'local-class') {
      const constructorId = this.constructors.get(callee.id)
      if (constructorId !== undefined) this.bindArguments(constructorId, args)
    }
    return this.instantiate(callee)
  }

  private bindArguments(functionId: number, args: ReadonlyArray<Value | undefined>): void {
    const info = this.functions.get(functionId)
    if (!info) return
    info.params.forEach((slot, index) => {
      const value = args[index]
      if (value) this.slots.set(slot, value)
    })
  }

  private call(node: AstNode, scope: Scope): Value | undefined {
    const callee = unwrap(node.callee)
    if (callee.type === 'MemberExpression') return this.methodCall(node, callee, scope)
    if (
      callee.type === 'Identifier' &&
      (callee.name === 'require' || INTEROP_HELPERS.has(callee.name)) &&
      !scope.lookup(callee.name)
    ) {
      const first = node.arguments[0]
      if (callee.name === 'require' && first?.type === 'Literal' && typeof first.value === 'string')
        return this.importValue(first.value, '*')
      return first ? this.evaluate(first, scope) : undefined
    }
    if (callee.type === 'Identifier' && callee.name === 'attest' && !scope.lookup(callee.name)) {
      this.attestedArguments(node, scope)
      return undefined
    }
    const value = this.evaluate(node.callee, scope)
    return this.applyCall(node, value, scope, calleeText(node.callee, this.source))
  }

  private methodCall(node: AstNode, callee: AstNode, scope: Scope): Value | undefined {
    const name = this.propertyName(callee)
    const object = this.evaluate(callee.object, scope)
    if (name === 'attest' || name === 'trace') {
      if (object?.kind === 'mima' || /mima/i.test(calleeText(callee.object, this.source))) {
        this.attestedArguments(node, scope)
        return undefined
      }
    }
    if (name === 'defineProperty' && callee.object.type === 'Identifier' && callee.object.name === 'Object') {
      // CommonJS bundles: Object.defineProperty(exports, 'name', { get: () => value }) or { value }
      const [target, key, descriptor] = node.arguments as AstNode[]
      for (const argument of node.arguments) this.evaluate(argument, scope)
      if (
        target &&
        isExportsObject(unwrap(target), scope) &&
        key?.type === 'Literal' &&
        descriptor?.type === 'ObjectExpression'
      ) {
        for (const property of descriptor.properties) {
          const propertyName = property.type === 'Property' ? this.keyName(property.key) : undefined
          let value: Value | undefined
          if (propertyName === 'value') value = this.evaluate(property.value, scope)
          else if (propertyName === 'get') value = this.returns.get(unwrap(property.value).start)
          if (value) this.exports.values[String(key.value)] = value
        }
      }
      return undefined
    }
    if (name !== undefined && INTEROP_HELPERS.has(name)) {
      const first = node.arguments[0]
      return first ? this.evaluate(first, scope) : undefined
    }
    if (object?.kind === 'collection' && name !== undefined) {
      const args = node.arguments.map((argument: AstNode) => this.evaluate(argument, scope))
      if (COLLECTION_PUTS.has(name)) {
        const element = args[name === 'set' ? 1 : 0]
        if (element) this.elements.set(object.id, element)
        return undefined
      }
      return COLLECTION_GETS.has(name) ? this.elements.get(object.id) : undefined
    }
    if (name === 'then' && object !== undefined) {
      // `import('openai').then(({ OpenAI }) => new OpenAI())`: the callback gets the awaited value.
      const callback = node.arguments[0] ? unwrap(node.arguments[0]) : undefined
      if (
        callback &&
        (callback.type === 'ArrowFunctionExpression' || callback.type === 'FunctionExpression')
      ) {
        const first = callback.params[0]
        if (first) this.slots.set((first.type === 'AssignmentPattern' ? first.left : first).start, object)
        for (const argument of node.arguments) this.evaluate(argument, scope)
        return this.returns.get(callback.start)
      }
    }
    if (object?.kind === 'handle' && name !== undefined) {
      const type = libraryByName(object.library)?.types[object.type]
      const operation = type?.calls?.[name]
      if (operation) {
        const args = node.arguments.map((argument: AstNode) => this.evaluate(argument, scope))
        this.collectModels(node.arguments)
        this.record(node, object.library, operation, object.attested || argsAttested(args), 'high', callee)
        return undefined
      }
      const factory = type?.factories?.[name]
      if (factory) {
        this.collectModels(node.arguments)
        for (const argument of node.arguments) this.evaluate(argument, scope)
        return { ...object, type: factory }
      }
    }
    if (object === undefined && name !== undefined) this.heuristic(node, callee, scope)
    const args = node.arguments.map((argument: AstNode) => this.evaluate(argument, scope))
    if (name === 'pipe' && object === undefined) {
      const model = args.find((arg: Value | undefined) => arg?.kind === 'handle' && arg.type === 'ChatModel')
      if (model) return model
    }
    const method = object && name !== undefined ? this.member(object, name) : undefined
    return this.applyCall(node, method, scope, calleeText(callee, this.source), args)
  }

  private applyCall(
    node: AstNode,
    value: Value | undefined,
    scope: Scope,
    text: string,
    evaluated?: Array<Value | undefined>,
  ): Value | undefined {
    const args = evaluated ?? node.arguments.map((argument: AstNode) => this.evaluate(argument, scope))
    if (!value) {
      if (/^(wrapOpenAI|wrapAnthropic)$/.test(text) && args[0]?.kind === 'handle')
        return { ...args[0], attested: true }
      return undefined
    }
    switch (value.kind) {
      case 'export': {
        const meta: SdkExport | undefined = libraryByName(value.library)?.exports(value.name)
        if (!meta) return undefined
        if (meta.modelFactory) {
          const first = node.arguments[0]
          if (first?.type === 'Literal' && typeof first.value === 'string') this.models.add(first.value)
          return { kind: 'model', attested: false }
        }
        this.collectModels(node.arguments)
        if (meta.call) {
          this.record(node, value.library, meta.call, argsAttested(args), 'high', node.callee)
          return undefined
        }
        if (meta.returns) {
          const first = node.arguments[0]
          if (first?.type === 'Literal' && typeof first.value === 'string') this.models.add(first.value)
          return { kind: 'handle', library: value.library, type: meta.returns, attested: false }
        }
        return this.instantiate(value)
      }
      case 'local-function':
        this.bindArguments(value.id, args)
        return this.returns.get(value.id)
      case 'function':
        return value.returns
      case 'mima':
        this.attestedArguments(node, scope)
        return undefined
      case 'marker':
        if (value.marker === 'wrap-client')
          return args[0]?.kind === 'handle' ? { ...args[0], attested: true } : args[0]
        if (value.marker === 'ai-middleware') return { kind: 'marker', marker: 'ai-middleware' }
        return this.wrappedModel(node, args)
      default:
        return undefined
    }
  }

  /** `wrapLanguageModel({ model, middleware })`: attested when the middleware is ours. */
  private wrappedModel(node: AstNode, args: ReadonlyArray<Value | undefined>): Value {
    const options = args[0]
    const middleware = options?.kind === 'object-literal' ? options.members.get('middleware') : undefined
    const argument = node.arguments[0]
    const mentionsMima =
      middleware?.kind === 'marker' ||
      (argument !== undefined && /mima/i.test(this.source.slice(argument.start, argument.end)))
    return { kind: 'model', attested: mentionsMima }
  }

  private attestedArguments(node: AstNode, scope: Scope): void {
    for (const argument of node.arguments) {
      const target = unwrap(argument)
      if (target.type === 'Identifier') {
        const value = this.lookup(target.name, scope)
        if (value?.kind === 'local-function') this.attestedFunctions.add(value.id)
        continue
      }
      this.attestedDepth++
      this.evaluate(argument, scope)
      this.attestedDepth--
    }
  }

  private heuristic(node: AstNode, callee: AstNode, scope: Scope): void {
    const path: string[] = []
    let cursor: AstNode = callee
    while (cursor.type === 'MemberExpression' && !cursor.computed) {
      path.unshift(this.keyName(cursor.property) ?? '')
      cursor = unwrap(cursor.object)
    }
    if (cursor.type === 'Identifier' && NON_AI_ROOTS.test(cursor.name)) return
    if (cursor.type === 'MemberExpression' && NON_AI_ROOTS.test(this.keyName(cursor.property) ?? '')) return
    for (const length of [3, 2]) {
      if (path.length < length) continue
      const match = HEURISTIC_PATHS.get(path.slice(-length).join('.'))
      if (!match) continue
      // Three-segment paths (`chat.completions.create`) only AI clients have; two-segment ones
      // (`messages.create`) count only in a file that imports the SDK.
      const library =
        match.library === 'openai'
          ? (OPENAI_FAMILY.find((name) => this.libraries.has(name)) ?? (length === 3 ? 'openai' : undefined))
          : this.libraries.has(match.library)
            ? match.library
            : undefined
      if (!library) return
      for (const argument of node.arguments) this.evaluate(argument, scope)
      this.collectModels(node.arguments)
      this.record(node, library, match.operation, false, 'low', callee)
      return
    }
  }

  private record(
    node: AstNode,
    library: string,
    operation: RawFinding['operation'],
    attestedByValue: boolean,
    confidence: RawFinding['confidence'],
    callee: AstNode,
  ): void {
    if (!this.emit || this.seenFindings.has(node.start)) return
    this.seenFindings.add(node.start)
    this.facts.findings.push({
      offset: node.start,
      line: 0,
      column: 0,
      library,
      operation,
      attested: attestedByValue || this.attestedDepth > 0,
      confidence,
      kind: operation === 'tool_call' ? 'tool' : 'model',
      callee: calleeText(callee, this.source),
    })
  }

  private collectModels(args: readonly AstNode[]): void {
    if (!this.emit) return
    for (const argument of args) {
      if (argument.type !== 'ObjectExpression') continue
      for (const property of argument.properties) {
        if (property.type !== 'Property' || property.computed) continue
        const key = this.keyName(property.key)
        if (
          key &&
          MODEL_KEYS.has(key) &&
          property.value.type === 'Literal' &&
          typeof property.value.value === 'string'
        )
          this.models.add(property.value.value)
      }
    }
  }

  private recordMcpServer(node: AstNode, transport: McpServerReference['transport']): void {
    if (!this.emit || this.seenServers.has(node.start)) return
    this.seenServers.add(node.start)
    const first = node.arguments[0]
    let target: string | undefined
    if (transport === 'http') target = literalUrl(first)
    else if (first?.type === 'ObjectExpression') {
      const parts: string[] = []
      for (const property of first.properties) {
        const key = property.type === 'Property' ? this.keyName(property.key) : undefined
        if (key === 'command' && property.value.type === 'Literal')
          parts.unshift(String(property.value.value))
        if (key === 'args' && property.value.type === 'ArrayExpression')
          for (const element of property.value.elements)
            if (element?.type === 'Literal') parts.push(String(element.value))
      }
      if (parts.length > 0) target = parts.join(' ')
    }
    this.facts.mcpServers.push({ transport, target: target ?? '(dynamic)', offset: node.start, line: 0 })
  }

  private propertyName(member: AstNode): string | undefined {
    if (!member.computed) return this.keyName(member.property)
    const property = member.property
    return property.type === 'Literal' && typeof property.value === 'string' ? property.value : undefined
  }

  private keyName(key: AstNode | null | undefined): string | undefined {
    if (!key) return undefined
    if (key.type === 'Identifier') return key.name
    if (key.type === 'PrivateIdentifier') return `#${key.name}`
    if (key.type === 'Literal') return String(key.value)
    return undefined
  }
}

function mimaExport(name: string): Value | undefined {
  if (name === 'createMima' || name === 'runAttested' || name === 'default' || name === '*')
    return name === 'createMima' ? { kind: 'function', returns: { kind: 'mima' } } : { kind: 'mima' }
  if (name === 'wrapOpenAI' || name === 'wrapAnthropic') return { kind: 'marker', marker: 'wrap-client' }
  if (/middleware/i.test(name)) return { kind: 'marker', marker: 'ai-middleware' }
  return undefined
}

function argsAttested(args: ReadonlyArray<Value | undefined>): boolean {
  const options = args[0]
  if (options?.kind !== 'object-literal') return false
  const model = options.members.get('model')
  return (model?.kind === 'model' || model?.kind === 'handle') && (model as HandleValue).attested === true
}

function isExportsObject(node: AstNode, scope: Scope): boolean {
  if (node.type === 'Identifier') return node.name === 'exports' && !scope.lookup('exports')
  return (
    node.type === 'MemberExpression' &&
    node.object.type === 'Identifier' &&
    node.object.name === 'module' &&
    !node.computed &&
    node.property.name === 'exports'
  )
}

function literalUrl(node: AstNode | undefined): string | undefined {
  if (!node) return undefined
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value
  if (node.type === 'NewExpression' && node.callee.type === 'Identifier' && node.callee.name === 'URL')
    return literalUrl(node.arguments[0])
  return undefined
}

function unwrap(node: AstNode): AstNode {
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

function calleeText(node: AstNode, source: string): string {
  const text = source.slice(node.start, node.end).replace(/\s+/g, ' ')
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

function patternIdentifiers(pattern: AstNode): AstNode[] {
  if (pattern.type === 'Identifier') return [pattern]
  if (pattern.type === 'ObjectPattern')
    return pattern.properties.flatMap((property: AstNode) =>
      patternIdentifiers(property.type === 'RestElement' ? property.argument : property.value),
    )
  if (pattern.type === 'ArrayPattern') return pattern.elements.filter(Boolean).flatMap(patternIdentifiers)
  if (pattern.type === 'AssignmentPattern') return patternIdentifiers(pattern.left)
  return []
}

const STATEMENT_TYPES = new Set([
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

function isStatement(type: string): boolean {
  return STATEMENT_TYPES.has(type)
}
