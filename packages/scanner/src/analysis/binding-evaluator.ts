import { libraryByName, libraryForSpecifier, type SdkLibrary } from '../catalog/sdk-catalog'
import { type AstNode, type ImportResolver, isStatement, mimaExport, patternIdentifiers } from './ast-helpers'
import type { FileFacts } from './finding'
import { Scope } from './scope'
import type { FileExports, Value } from './values'

interface FunctionInfo {
  readonly params: number[]
}

/**
 * The statement, binding, function and class half of the analyser: scopes, slots that survive
 * between passes, class fields and bases, exports. {@link Evaluator} adds expressions and calls.
 */
export abstract class BindingEvaluator {
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
  readonly facts: FileFacts = {
    findings: [],
    libraries: [],
    models: [],
    mcpServers: [],
    tooDeepStatements: 0,
  }
  protected readonly libraries: Set<string> = new Set()
  protected readonly models: Set<string> = new Set()
  protected readonly seenFindings: Set<number> = new Set()
  protected readonly seenServers: Set<number> = new Set()
  protected emit: boolean = false
  protected attestedDepth: number = 0
  protected readonly source: string
  protected readonly resolveImport: ImportResolver | undefined

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

  protected statements(body: readonly AstNode[], scope: Scope): void {
    for (const statement of body) this.hoist(statement, scope)
    for (const statement of body) {
      const attestedDepth = this.attestedDepth
      try {
        this.statement(statement, scope)
      } catch (error) {
        // A statement nested deeper than this thread's stack (a generated or hostile file): the
        // rest of the file is still analysed, and the scan reports what was left out.
        if (!(error instanceof RangeError)) throw error
        this.attestedDepth = attestedDepth
        if (this.emit) this.facts.tooDeepStatements++
      }
    }
  }

  protected hoist(statement: AstNode, scope: Scope): void {
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

  protected statement(node: AstNode | null, scope: Scope): void {
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

  protected children(node: AstNode, scope: Scope): void {
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

  protected visit(node: AstNode, scope: Scope): void {
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

  protected importDeclaration(node: AstNode, scope: Scope): void {
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

  protected exportNamed(node: AstNode, scope: Scope): void {
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

  protected declare(scope: Scope, id: AstNode, value: Value | undefined): void {
    scope.names.set(id.name, id.start)
    if (value) this.slots.set(id.start, value)
  }

  protected bindPattern(pattern: AstNode, value: Value | undefined, scope: Scope): void {
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

  protected lookup(name: string, scope: Scope): Value | undefined {
    const slot = scope.lookup(name)
    return slot === undefined ? undefined : this.slots.get(slot)
  }

  protected importValue(specifier: string, name: string): Value | undefined {
    const library = libraryForSpecifier(specifier)
    if (library) {
      this.libraries.add(library.name)
      if (name === '*') return { kind: 'module', library: library.name, specifier }
      return this.exportValue(library, name)
    }
    if (specifier.startsWith('@mima/')) return mimaExport(name)
    return this.resolveImport?.(specifier, name)
  }

  protected exportValue(library: SdkLibrary, name: string): Value | undefined {
    if (library.name === 'ai' && name === 'wrapLanguageModel')
      return { kind: 'marker', marker: 'wrap-language-model' }
    const meta = library.exports(name)
    if (!meta) return undefined
    if (meta.instance) return { kind: 'handle', library: library.name, type: meta.instance, attested: false }
    return { kind: 'export', library: library.name, name }
  }

  protected typeValue(annotation: AstNode | null | undefined, scope: Scope): Value | undefined {
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

  protected functionNode(
    node: AstNode,
    scope: Scope,
    attested: boolean,
    classId: number = scope.classId,
  ): Value {
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

  protected classNode(node: AstNode, scope: Scope): Value {
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

  protected setField(classId: number, name: string, value: Value): void {
    let fields = this.fields.get(classId)
    if (!fields) {
      fields = new Map()
      this.fields.set(classId, fields)
    }
    const existing = fields.get(name)
    if (existing?.kind === 'handle' && value.kind === 'local-function') return
    fields.set(name, value)
  }

  protected isAttestDecorator(decorator: AstNode, scope: Scope): boolean {
    let expression = decorator.expression
    if (expression.type === 'CallExpression') expression = expression.callee
    if (expression.type === 'Identifier')
      return expression.name === 'attest' || this.lookup(expression.name, scope)?.kind === 'mima'
    return expression.type === 'MemberExpression' && this.keyName(expression.property) === 'attest'
  }

  // ---- expressions ---------------------------------------------------------------------

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
  protected instantiate(value: Value): Value | undefined {
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

  protected propertyName(member: AstNode): string | undefined {
    if (!member.computed) return this.keyName(member.property)
    const property = member.property
    return property.type === 'Literal' && typeof property.value === 'string' ? property.value : undefined
  }

  protected keyName(key: AstNode | null | undefined): string | undefined {
    if (!key) return undefined
    if (key.type === 'Identifier') return key.name
    if (key.type === 'PrivateIdentifier') return `#${key.name}`
    if (key.type === 'Literal') return String(key.value)
    return undefined
  }
  /** Evaluates an expression, recording the call sites inside it. */
  abstract evaluate(node: AstNode | null | undefined, scope: Scope): Value | undefined
}
