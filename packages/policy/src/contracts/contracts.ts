import { isAttested, MimaError } from '@mima/core'
import type { AliveCheck } from '../agents/alive-check'
import type { ScopeRegistry } from '../scope/scope-registry'
import type { BudgetChecker } from './budget-checker'

/** One pre- or postcondition: a check by name, the message shown when it fails, and its params. */
export interface Condition {
  /** `approval_obtained`, `scope_allowed`, `attested`, `budget_available`, or a registered custom check. */
  readonly check: string
  readonly message?: string
  readonly params?: Readonly<Record<string, unknown>>
}

/** Pre- and postconditions for one (agent, tool). */
export interface Contract {
  readonly agent: string
  readonly tool: string
  readonly pre?: readonly Condition[]
  readonly post?: readonly Condition[]
}

/** An approval token as `@mima/approvals` returns it (`ApprovalToken`, or a `TimeoutToken`). */
export interface ApprovalTokenLike {
  readonly status: string
  readonly token?: string
}

/** The claims of a `mat1.<claims>.<signature>` approval token that contracts read (not verified here). */
function tokenClaims(token: string): { act: string; exp: number } {
  const parts = token.split('.')
  if (parts.length !== 3 || parts[0] !== 'mat1' || !parts[1]) throw new Error('not an approval token')
  const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/')
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4))
  const bytes = Uint8Array.from(binary, (character) => character.charCodeAt(0))
  const claims = JSON.parse(new TextDecoder().decode(bytes)) as { act?: unknown; exp?: unknown }
  if (typeof claims.act !== 'string' || typeof claims.exp !== 'number') throw new Error('incomplete claims')
  return { act: claims.act, exp: claims.exp }
}

/** What a call brings to its contract. */
export interface ContractCall {
  readonly agent: string
  readonly tool: string
  readonly sessionId?: string
  /** The approval for this call (`approval_obtained`): an `ApprovalToken` or its token string. */
  readonly approvalToken?: ApprovalTokenLike | string
}

/** What a check sees. `result` is set for postconditions. */
export interface CheckContext extends ContractCall {
  readonly phase: 'pre' | 'post'
  readonly params: Readonly<Record<string, unknown>>
  readonly result?: unknown
}

/** A check's answer: `true`/`false`, or a result with a reason. */
export type CheckOutcome = boolean | { readonly ok: boolean; readonly reason?: string }

/** A custom check. Throwing fails the condition (closed). */
export type ContractCheck = (context: CheckContext) => CheckOutcome | Promise<CheckOutcome>

/** A failed condition: the call was refused (pre) or its result rejected (post). */
export class ContractViolationError extends MimaError {
  readonly agent: string
  readonly tool: string
  readonly phase: 'pre' | 'post'
  readonly check: string

  constructor(call: ContractCall, phase: 'pre' | 'post', condition: Condition, reason: string) {
    super(
      'contract_violated',
      `${phase === 'pre' ? 'Precondition' : 'Postcondition'} '${condition.check}' of ${call.agent}/${call.tool} failed: ${condition.message ?? reason}${condition.message === undefined ? '' : ` (${reason})`}.`,
      { details: { agent: call.agent, tool: call.tool, phase, check: condition.check, reason } },
    )
    this.agent = call.agent
    this.tool = call.tool
    this.phase = phase
    this.check = condition.check
  }
}

/** Options for {@link createContracts}. */
export interface ContractsOptions {
  /** For `scope_allowed`. Without it, `scope_allowed` fails. */
  readonly scopes?: ScopeRegistry
  /** For `budget_available` (the budgets module implements it). Without it, `budget_available` fails. */
  readonly budget?: BudgetChecker
  /** Custom checks by name. */
  readonly checks?: Readonly<Record<string, ContractCheck>>
  /** Called with every violation before it is thrown (errors it throws are ignored). */
  readonly onViolation?: (violation: ContractViolationError) => void
  /** The clock for token expiry (seconds since the epoch). */
  readonly now?: () => number
  /**
   * The kill switch (`createRuntimeControls(...)`): `checkPre`, `checkPost` and `enforce` throw
   * `AgentKilledError` for a killed agent before any condition runs. Defaults to `budget` when it
   * is a `createBudgetChecker(...)`, which carries the kill check.
   */
  readonly killSwitch?: AliveCheck
}

/** Contracts per (agent, tool). */
export interface Contracts {
  /** Registers (or replaces) the contract of an (agent, tool); it is frozen from then on. */
  register(contract: Contract): void
  /** Adds a custom check usable by name in conditions. */
  registerCheck(name: string, check: ContractCheck): void
  /** Runs the preconditions; throws {@link ContractViolationError} on the first that fails. */
  checkPre(call: ContractCall): Promise<void>
  /** Runs the postconditions against `result`. */
  checkPost(call: ContractCall, result?: unknown): Promise<void>
  /**
   * Runs `fn` between its pre- and postconditions: a failing precondition means `fn` never runs;
   * a failing postcondition throws after it ran.
   */
  enforce<T>(call: ContractCall, fn: () => T | Promise<T>): Promise<T>
}

const MAX_CONDITIONS = 20
const NAME = /^[A-Za-z0-9_.:-]{1,256}$/

function approvalObtained(context: CheckContext, nowSeconds: number): CheckOutcome {
  const token = context.approvalToken
  if (token === undefined) return { ok: false, reason: 'no approval token was given' }
  if (typeof token !== 'string' && (token.status !== 'approved' || token.token === undefined)) {
    return { ok: false, reason: 'the approval timed out; nobody approved' }
  }
  let claims: { act: string; exp: number }
  try {
    claims = tokenClaims(typeof token === 'string' ? token : (token.token as string))
  } catch {
    return { ok: false, reason: 'the approval token is malformed' }
  }
  if (claims.act !== context.tool) return { ok: false, reason: `the approval is for '${claims.act}'` }
  if (claims.exp <= nowSeconds) return { ok: false, reason: 'the approval token expired' }
  return true
}

function aliveCheckOf(budget: BudgetChecker | undefined): AliveCheck | undefined {
  const candidate = budget as Partial<AliveCheck> | undefined
  return typeof candidate?.assertAlive === 'function' ? (candidate as AliveCheck) : undefined
}

/**
 * Creates a contracts registry: declarative pre- and postconditions per (agent, tool), with the
 * built-in checks `approval_obtained`, `scope_allowed`, `attested` and `budget_available`, and
 * custom ones. Every failure is closed: an unknown check name, a missing scope registry or budget
 * checker, or a check that throws refuses the call.
 *
 * @example
 * ```ts
 * const contracts = createContracts({ scopes, budget })
 * contracts.register({
 *   agent: 'billing-agent',
 *   tool: 'charge_customer',
 *   pre: [{ check: 'scope_allowed' }, { check: 'approval_obtained', message: 'a person must approve charges' }],
 *   post: [{ check: 'receipt_stored' }],
 * })
 * const receipt = await contracts.enforce({ agent: 'billing-agent', tool: 'charge_customer', approvalToken }, charge)
 * ```
 */
export function createContracts(options: ContractsOptions = {}): Contracts {
  const contracts = new Map<string, Contract>()
  const killSwitch = options.killSwitch ?? aliveCheckOf(options.budget)
  const now = options.now ?? (() => Date.now() / 1000)
  const builtIns: Record<string, ContractCheck> = {
    approval_obtained: (context) => approvalObtained(context, now()),
    hitl_approved: (context) => approvalObtained(context, now()),
    attested: () => (isAttested() ? true : { ok: false, reason: 'the call does not run inside mima.attest' }),
    scope_allowed: (context) => {
      if (options.scopes === undefined) return { ok: false, reason: 'no scope registry is configured' }
      const decision = options.scopes.decide({ agent: context.agent, tool: context.tool })
      return { ok: decision.allowed, reason: decision.reason }
    },
    budget_available: async (context) => {
      if (options.budget === undefined) return { ok: false, reason: 'no budget checker is configured' }
      const answer = await options.budget.checkBudget({
        agent: context.agent,
        tool: context.tool,
        params: context.params,
        ...(context.sessionId === undefined ? {} : { sessionId: context.sessionId }),
      })
      return {
        ok: answer.allowed === true,
        reason: answer.reason ?? (answer.allowed ? 'within budget' : 'over budget'),
      }
    },
  }
  const custom = new Map<string, ContractCheck>()
  const addCheck = (name: string, check: ContractCheck): void => {
    if (!NAME.test(name) || typeof check !== 'function') {
      throw new MimaError(
        'validation_failed',
        `registerCheck: '${name}' needs a name of 1–256 letters, digits, _ . : - and a function.`,
      )
    }
    if (Object.hasOwn(builtIns, name)) {
      throw new MimaError(
        'validation_failed',
        `registerCheck: '${name}' is a built-in check and cannot be replaced.`,
      )
    }
    custom.set(name, check)
  }
  for (const [name, check] of Object.entries(options.checks ?? {})) addCheck(name, check)
  const key = (agent: string, tool: string): string => `${agent}\u0000${tool}`

  async function run(call: ContractCall, phase: 'pre' | 'post', result?: unknown): Promise<void> {
    killSwitch?.assertAlive(call.agent)
    const contract = contracts.get(key(call.agent, call.tool))
    if (contract === undefined) return
    for (const condition of (phase === 'pre' ? contract.pre : contract.post) ?? []) {
      const check = Object.hasOwn(builtIns, condition.check)
        ? builtIns[condition.check]
        : custom.get(condition.check)
      let outcome: CheckOutcome
      if (check === undefined)
        outcome = { ok: false, reason: `unknown check '${condition.check}' (failing closed)` }
      else {
        try {
          outcome = await check({
            ...call,
            phase,
            params: condition.params ?? {},
            ...(phase === 'post' ? { result } : {}),
          })
        } catch (error) {
          outcome = { ok: false, reason: `the check threw: ${String((error as Error)?.message ?? error)}` }
        }
      }
      const ok = typeof outcome === 'boolean' ? outcome : outcome.ok === true
      if (ok) continue
      const reason =
        typeof outcome === 'boolean' ? 'the check returned false' : (outcome.reason ?? 'the check failed')
      const violation = new ContractViolationError(call, phase, condition, reason)
      try {
        options.onViolation?.(violation)
      } catch {
        // Recording must not change the outcome.
      }
      throw violation
    }
  }

  return {
    register(contract: Contract): void {
      const fail = (message: string): never => {
        throw new MimaError('validation_failed', `contracts.register: ${message}`)
      }
      if (typeof contract?.agent !== 'string' || contract.agent === '')
        fail('agent must be a non-empty string.')
      if (typeof contract.tool !== 'string' || contract.tool === '') fail('tool must be a non-empty string.')
      for (const phase of ['pre', 'post'] as const) {
        const list = contract[phase] ?? []
        if (!Array.isArray(list) || list.length > MAX_CONDITIONS) {
          fail(`${phase} must be a list of at most ${MAX_CONDITIONS} conditions.`)
        }
        for (const condition of list) {
          if (typeof condition?.check !== 'string' || !NAME.test(condition.check)) {
            fail(`every ${phase} condition needs a check name (letters, digits, _ . : -).`)
          }
        }
      }
      const freeze = (list: readonly Condition[] | undefined): readonly Condition[] =>
        Object.freeze(
          (list ?? []).map((condition) =>
            Object.freeze({ ...condition, params: Object.freeze({ ...condition.params }) }),
          ),
        )
      contracts.set(
        key(contract.agent, contract.tool),
        Object.freeze({
          agent: contract.agent,
          tool: contract.tool,
          pre: freeze(contract.pre),
          post: freeze(contract.post),
        }),
      )
    },
    registerCheck: addCheck,
    checkPre: (call) => run(call, 'pre'),
    checkPost: (call, result) => run(call, 'post', result),
    async enforce<T>(call: ContractCall, fn: () => T | Promise<T>): Promise<T> {
      await run(call, 'pre')
      const result = await fn()
      await run(call, 'post', result)
      return result
    },
  }
}
