import { HEURISTIC_PATHS } from '../catalog/sdk-catalog'
import {
  type AstNode,
  calleeText,
  literalUrl,
  MODEL_KEYS,
  NON_AI_ROOTS,
  OPENAI_FAMILY,
  unwrap,
} from './ast-helpers'
import { BindingEvaluator } from './binding-evaluator'
import type { McpServerReference, RawFinding } from './finding'
import type { Scope } from './scope'

/**
 * What the evaluator records about a file on its reporting pass: call sites (resolved, or matched
 * by the heuristic), the model ids they name and the MCP servers the code connects to. Each is
 * recorded once, whichever pass or path reaches it first.
 */
export abstract class FactRecorder extends BindingEvaluator {
  protected heuristic(node: AstNode, callee: AstNode, scope: Scope): void {
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

  protected record(
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

  protected collectModels(args: readonly AstNode[]): void {
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

  protected recordMcpServer(node: AstNode, transport: McpServerReference['transport']): void {
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
}
