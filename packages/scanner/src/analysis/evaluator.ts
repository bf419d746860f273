import { libraryByName, type SdkExport } from '../catalog/sdk-catalog'
import {
  type AstNode,
  argsAttested,
  COLLECTION_GETS,
  COLLECTION_PUTS,
  COLLECTIONS,
  calleeText,
  INTEROP_HELPERS,
  isExportsObject,
  unwrap,
} from './ast-helpers'
import { FactRecorder } from './fact-recorder'
import type { Scope } from './scope'
import type { Value } from './values'

export type { AstNode, ImportResolver } from './ast-helpers'

/**
 * Walks one file's AST with a scope chain and abstract values. Run it twice (`emit` false, then
 * true): the first pass learns what later code assigns (class fields, parameters bound at call
 * sites, wrapped functions), the second reports call sites with that knowledge.
 */
export class Evaluator extends FactRecorder {
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

  protected assignment(node: AstNode, scope: Scope): Value | undefined {
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

  protected objectLiteral(node: AstNode, scope: Scope): Value | undefined {
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

  protected construct(node: AstNode, scope: Scope): Value | undefined {
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

  protected bindArguments(functionId: number, args: ReadonlyArray<Value | undefined>): void {
    const info = this.functions.get(functionId)
    if (!info) return
    info.params.forEach((slot, index) => {
      const value = args[index]
      if (value) this.slots.set(slot, value)
    })
  }

  protected call(node: AstNode, scope: Scope): Value | undefined {
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

  protected methodCall(node: AstNode, callee: AstNode, scope: Scope): Value | undefined {
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
      const commands = type?.sends?.[name]
      if (type?.calls?.[name] || commands) {
        const args = node.arguments.map((argument: AstNode) => this.evaluate(argument, scope))
        // `client.send(command)` sends what its command says (and nothing for other commands).
        const command = args[0]
        const operation =
          type?.calls?.[name] ??
          (command?.kind === 'handle' && command.library === object.library
            ? commands?.[command.type]
            : undefined)
        if (operation) {
          this.collectModels(node.arguments)
          this.record(node, object.library, operation, object.attested || argsAttested(args), 'high', callee)
        }
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
    if ((name === 'pipe' || name === 'from') && object === undefined) {
      const model = this.chainedModel(node.arguments, args, scope)
      if (model) return model
    }
    const method = object && name !== undefined ? this.member(object, name) : undefined
    return this.applyCall(node, method, scope, calleeText(callee, this.source), args)
  }

  /**
   * The model a LangChain chain is built around (`prompt.pipe(model)`,
   * `RunnableSequence.from([prompt, model, parser])`): running the chain calls it. Evaluating an
   * array's elements again is safe: a call site is recorded once.
   */
  protected chainedModel(
    nodes: readonly AstNode[],
    args: ReadonlyArray<Value | undefined>,
    scope: Scope,
  ): Value | undefined {
    const isModel = (value: Value | undefined): boolean =>
      value?.kind === 'handle' && (value.type === 'ChatModel' || value.type === 'StructuredModel')
    for (const [index, argument] of args.entries()) {
      if (isModel(argument)) return argument
      const node = nodes[index] ? unwrap(nodes[index]) : undefined
      if (node?.type !== 'ArrayExpression') continue
      for (const item of node.elements) {
        if (!item || item.type === 'SpreadElement') continue
        const value = this.evaluate(item, scope)
        if (isModel(value)) return value
      }
    }
    return undefined
  }

  protected applyCall(
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
      case 'handle': {
        // A handle that is itself a function sending a request (a Genkit prompt: `await prompt(input)`).
        const operation = libraryByName(value.library)?.types[value.type]?.invoked
        if (operation) {
          this.collectModels(node.arguments)
          this.record(
            node,
            value.library,
            operation,
            value.attested || argsAttested(args),
            'high',
            node.callee,
          )
        }
        return undefined
      }
      default:
        return undefined
    }
  }

  /** `wrapLanguageModel({ model, middleware })`: attested when the middleware is ours. */
  protected wrappedModel(node: AstNode, args: ReadonlyArray<Value | undefined>): Value {
    const options = args[0]
    const middleware = options?.kind === 'object-literal' ? options.members.get('middleware') : undefined
    const argument = node.arguments[0]
    const mentionsMima =
      middleware?.kind === 'marker' ||
      (argument !== undefined && /mima/i.test(this.source.slice(argument.start, argument.end)))
    return { kind: 'model', attested: mentionsMima }
  }

  protected attestedArguments(node: AstNode, scope: Scope): void {
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
}
