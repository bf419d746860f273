import { MimaError } from '@mima/core'
import type { Tracer } from '@opentelemetry/api'
import type { AliveCheck } from '../agents/alive-check'
import { type ConfirmOptions, createConfirmer } from '../confirm/open-confirmation'
import { basicDetect } from '../detection/basic-detect'
import { detect as detectAll } from '../detectors/detect'
import type { DetectOptions } from '../detectors/types'
import { buildDecisionRecord, type DecisionRecord } from '../evidence/decision-record'
import { type CompiledPolicy, compilePolicy } from '../policy/compile-policy'
import type { PolicyDocument } from '../policy/policy-document'
import { deriveKeys } from '../redaction/redaction-keys'
import type { ScopeRegistry } from '../scope/scope-registry'
import { emitDecisionSpan, policyTracer } from '../telemetry/decision-span'
import { checkStream, type TextStream } from './check-stream'
import { evaluateContent } from './evaluate-content'
import type { DetectFunction, Direction, PrecheckInput, PrecheckResult } from './precheck-types'

/** Where decision records go (see {@link PolicyEngineOptions.evidence}). */
export interface EvidenceOptions {
  /** The key of the HMAC commitment of each checked text (keep it per workspace and secret). */
  readonly commitmentKey: Uint8Array | string
  /** Receives every record (ship it to the server with `createDecisionReporter`, or store it). */
  readonly sink: (record: DecisionRecord) => void | Promise<void>
}

/** Options for {@link createPolicyEngine}. */
export interface PolicyEngineOptions {
  /** The policy (an object in GovernsAI's shape, or compiled). Default `{}`: redact, deny exec tools. */
  readonly policy?: PolicyDocument | CompiledPolicy
  /** The detector (default: `detect` with every built-in detector and `detectOptions`). */
  readonly detect?: DetectFunction
  /** Options of the default `detect` (kinds, plug-in detectors, phone regions, minimum confidence). */
  readonly detectOptions?: DetectOptions
  /**
   * The key of keyed tokens (`tokenize`), at least 16 bytes; default a random key per engine.
   * `restoreRedacted(result.redacted, result.mapping, tokenKey)` restores the values.
   */
  readonly tokenKey?: Uint8Array | string
  /** Opens an approval for each `confirm` decision of `precheck`/`postcheck`. */
  readonly confirm?: ConfirmOptions
  /** Records every decision of `precheck`/`postcheck` (never raw text or found values). */
  readonly evidence?: EvidenceOptions
  /**
   * Opt-in: one OpenTelemetry span per decision with `gen_ai.guardrail.verdict.type`,
   * `security.policy.id` and `security.rule.id`. `true` uses the global tracer provider.
   */
  readonly telemetry?: boolean | { readonly tracer?: Tracer }
  /**
   * Agents' scopes and the tool registry: a call with an `agent` and a `tool` outside the agent's
   * scope is denied (`scope.*` reasons, rule `scope`); a registered tool with `requiresApproval`
   * turns `allow`/`redact` into `confirm`.
   */
  readonly scopes?: ScopeRegistry
  /** Called when recording a decision fails (the decision itself stands). Default: `console.warn`. */
  readonly onRecordError?: (error: unknown) => void
  /**
   * The kill switch (pass `createRuntimeControls(...)` or `createKillSwitch(...)`): every check
   * (`evaluate`, `precheck`, `postcheck`, `checkChatMessage`, `checkToolCall`, `checkStream`) first
   * asks it about the input's `agent` (or the controls' own agent) and throws `AgentKilledError`
   * for a killed one. The refusal is recorded as a `deny` by rule `kill_switch`.
   */
  readonly killSwitch?: AliveCheck
}

/** A chat message as OpenAI and Anthropic write it (content as text or parts). */
export interface ChatMessageLike {
  readonly role: string
  readonly content?: unknown
}

/** Input of {@link PolicyEngine.checkChatMessage}. */
export interface ChatMessageCheck extends Omit<PrecheckInput, 'text' | 'payload'> {
  readonly messages: readonly ChatMessageLike[]
}

/** Input of {@link PolicyEngine.checkToolCall}. */
export interface ToolCallCheck extends Omit<PrecheckInput, 'text' | 'payload' | 'tool'> {
  readonly tool: string
  /** The call's arguments: every string in them is checked; `redactedPayload` holds the redacted copy. */
  readonly args?: unknown
}

/** Local, in-process policy decisions. */
export interface PolicyEngine {
  /** The policy in force. */
  readonly policy: CompiledPolicy
  /**
   * Replaces the policy. The new one is validated and compiled first: a bad policy throws
   * `PolicyValidationError` and the old one stays in force.
   */
  setPolicy(policy: PolicyDocument | CompiledPolicy): void
  /** The decision alone, synchronously: no approval opened, nothing recorded. */
  evaluate(input: PrecheckInput, direction?: Direction): PrecheckResult
  /** Checks what is about to leave the process; opens an approval for `confirm`; records the decision. */
  precheck(input: PrecheckInput): Promise<PrecheckResult>
  /** The same for what came back (the policy's `egress` rules). */
  postcheck(input: PrecheckInput): Promise<PrecheckResult>
  /** Checks chat messages (default tool `model.chat`); `redactedPayload` holds the redacted messages. */
  checkChatMessage(input: ChatMessageCheck): Promise<PrecheckResult>
  /** Checks a tool call; `redactedPayload` holds the redacted arguments. */
  checkToolCall(input: ToolCallCheck): Promise<PrecheckResult>
  /**
   * Applies the policy to a text stream as it flows (a model's streamed answer: `egress` by
   * default): redacts what the rule redacts, even split across chunks, stops with `policy_denied`
   * at a value the rule denies, and throws at once when the rule denies the call. Returns the same
   * kind of stream (async iterable or `ReadableStream`), never buffering it whole.
   */
  checkStream<S extends TextStream>(
    source: S,
    input?: Pick<PrecheckInput, 'tool' | 'scope'> & {
      readonly direction?: Direction
      readonly onMapping?: (mapping: string) => void
    },
  ): S
}

function applyScopes(
  scopes: ScopeRegistry,
  input: PrecheckInput,
  tool: string,
  result: PrecheckResult,
): PrecheckResult {
  if (result.decision === 'deny') return result
  if (input.agent !== undefined) {
    const scope = scopes.decide({ agent: input.agent, tool })
    if (!scope.allowed) {
      return {
        ...result,
        decision: 'deny',
        reasons: [scope.reason, ...result.reasons],
        redacted: undefined,
        redactedPayload: undefined,
        mapping: undefined,
        metadata: { ...result.metadata, ruleId: 'scope' },
      }
    }
  }
  if (result.decision !== 'confirm' && scopes.tool(tool)?.requiresApproval === true) {
    return { ...result, decision: 'confirm', reasons: [...result.reasons, `tool.requires_approval:${tool}`] }
  }
  return result
}

/** The decision recorded when the kill switch refuses a check (the check itself throws). */
function killedResult(policy: CompiledPolicy, direction: Direction, error: unknown): PrecheckResult {
  const code = MimaError.isInstance(error) ? error.code : 'kill_switch'
  return {
    decision: 'deny',
    reasons: [`agent.${code === 'kill_switch' ? 'killed' : code}`],
    redacted: undefined,
    redactedPayload: undefined,
    mapping: undefined,
    confirmation: undefined,
    metadata: {
      policyId: policy.id,
      policyVersion: policy.version,
      ruleId: 'kill_switch',
      direction,
      detectorKinds: [],
      findings: 0,
    },
  }
}

function isCompiled(policy: PolicyDocument | CompiledPolicy): policy is CompiledPolicy {
  return typeof (policy as CompiledPolicy).rule === 'function'
}

function tokenKeyOf(key: Uint8Array | string | undefined): Uint8Array | string {
  if (key === undefined) return globalThis.crypto.getRandomValues(new Uint8Array(32))
  // Refuses a key shorter than 16 bytes now rather than at the first token.
  deriveKeys(key)
  return key
}

function defaultRecordError(error: unknown): void {
  console.warn(`[mima] recording a policy decision failed: ${String((error as Error)?.message ?? error)}`)
}

/**
 * Creates a policy engine: `precheck` before a prompt or tool call leaves the process, `postcheck`
 * on what comes back. Decisions are `allow`, `deny`, `confirm` or `redact`, with reasons, the
 * redacted text and the rule that decided; they run locally from a compiled policy.
 *
 * @example
 * ```ts
 * const engine = createPolicyEngine({ policy: parsePolicy(readFileSync('policy.yaml', 'utf8')) })
 * const result = await engine.precheck({ tool: 'model.chat', scope: 'net.external', text: prompt })
 * if (result.decision === 'deny') throw new Error(result.reasons.join(', '))
 * const safePrompt = result.redacted ?? prompt
 * ```
 */
export function createPolicyEngine(options: PolicyEngineOptions = {}): PolicyEngine {
  let compiled: CompiledPolicy = options.policy === undefined ? compilePolicy({}) : toCompiled(options.policy)
  const detectOptions = options.detectOptions ?? {}
  const detect: DetectFunction = options.detect ?? ((text) => detectAll(text, detectOptions))
  const tokenKey = tokenKeyOf(options.tokenKey)
  const confirmer = options.confirm === undefined ? undefined : createConfirmer(options.confirm)
  const telemetry = options.telemetry
  const tracer =
    telemetry === undefined || telemetry === false
      ? undefined
      : policyTracer(telemetry === true ? undefined : telemetry.tracer)
  const onRecordError = options.onRecordError ?? defaultRecordError

  function toCompiled(policy: PolicyDocument | CompiledPolicy): CompiledPolicy {
    return isCompiled(policy) ? policy : compilePolicy(policy)
  }

  const scopes = options.scopes
  const killSwitch = options.killSwitch

  /** Throws (and records) when the kill switch refuses the input's agent. */
  function assertAlive(input: PrecheckInput, direction: Direction): void {
    if (killSwitch === undefined) return
    try {
      killSwitch.assertAlive(input.agent)
    } catch (error) {
      if (options.evidence !== undefined || tracer !== undefined) {
        record(input, killedResult(compiled, direction, error))
      }
      throw error
    }
  }

  function evaluate(input: PrecheckInput, direction: Direction = 'ingress'): PrecheckResult {
    assertAlive(input, direction)
    const policy = compiled
    const plan = policy.rule(input.tool ?? '', input.scope ?? '', direction)
    const result =
      !plan.needsScan || (input.text === undefined && input.payload === undefined)
        ? plan.staticResult
        : evaluateContent(policy, plan, input.text, input.payload, detect, basicDetect, tokenKey)
    return scopes === undefined || input.tool === undefined
      ? result
      : applyScopes(scopes, input, input.tool, result)
  }

  async function decide(input: PrecheckInput, direction: Direction): Promise<PrecheckResult> {
    let result = evaluate(input, direction)
    if (result.decision === 'confirm' && confirmer !== undefined) {
      const plan = compiled.rule(input.tool ?? '', input.scope ?? '', direction)
      const confirmation = await confirmer.open({
        actionType: input.tool ?? `policy.${direction}`,
        description:
          plan.note ??
          `Policy ${result.metadata.policyId} asks for confirmation: ${result.reasons.join(', ')}`,
        context: {
          policy_id: result.metadata.policyId,
          policy_version: result.metadata.policyVersion,
          rule_id: result.metadata.ruleId,
          reasons: [...result.reasons],
          detector_kinds: [...result.metadata.detectorKinds],
          ...(input.tool === undefined ? {} : { tool: input.tool }),
          ...(input.agent === undefined ? {} : { agent: input.agent }),
          ...(input.correlationId === undefined ? {} : { correlation_id: input.correlationId }),
          // What the approver reads: the text with found values already replaced, never the raw text.
          ...(result.redacted === undefined ? {} : { redacted_text: result.redacted.slice(0, 4000) }),
        },
      })
      result = { ...result, confirmation }
    }
    if (options.evidence !== undefined || tracer !== undefined) record(input, result)
    return result
  }

  function record(input: PrecheckInput, result: PrecheckResult): void {
    let decisionId: string | undefined
    try {
      const evidence = options.evidence
      if (evidence !== undefined) {
        const decisionRecord = buildDecisionRecord(input, result, { commitmentKey: evidence.commitmentKey })
        decisionId = decisionRecord.decision_id
        const sent = evidence.sink(decisionRecord)
        if (sent !== undefined) sent.catch(onRecordError)
      }
      if (tracer !== undefined) emitDecisionSpan(tracer, input, result, decisionId)
    } catch (error) {
      onRecordError(error)
    }
  }

  return {
    get policy(): CompiledPolicy {
      return compiled
    },
    setPolicy(policy: PolicyDocument | CompiledPolicy): void {
      compiled = toCompiled(policy)
    },
    evaluate,
    precheck: (input) => decide(input, 'ingress'),
    postcheck: (input) => decide(input, 'egress'),
    async checkChatMessage(input: ChatMessageCheck): Promise<PrecheckResult> {
      if (!Array.isArray(input.messages)) {
        throw new MimaError(
          'validation_failed',
          'checkChatMessage: messages must be an array of chat messages.',
        )
      }
      const { messages, ...rest } = input
      return decide({ tool: 'model.chat', ...rest, payload: messages }, 'ingress')
    },
    checkStream<S extends TextStream>(
      source: S,
      input: Pick<PrecheckInput, 'tool' | 'scope'> & {
        readonly direction?: Direction
        readonly onMapping?: (mapping: string) => void
      } = {},
    ): S {
      assertAlive(input, input.direction ?? 'egress')
      const policy = compiled
      const plan = policy.rule(input.tool ?? '', input.scope ?? '', input.direction ?? 'egress')
      return checkStream(plan, source, {
        tokenKey,
        redactionMode: policy.redactionMode,
        ...(input.onMapping === undefined ? {} : { onMapping: input.onMapping }),
      })
    },
    async checkToolCall(input: ToolCallCheck): Promise<PrecheckResult> {
      if (typeof input.tool !== 'string' || input.tool === '') {
        throw new MimaError('validation_failed', 'checkToolCall: tool must be a non-empty string.')
      }
      const { args, ...rest } = input
      return decide({ ...rest, ...(args === undefined ? {} : { payload: args }) }, 'ingress')
    },
  }
}
