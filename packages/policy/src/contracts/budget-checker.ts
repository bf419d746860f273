/**
 * What a contract's `budget_available` check asks: whether `agent` may spend on `tool` now.
 * The budgets module implements {@link BudgetChecker}; the contracts module only calls it.
 */
export interface BudgetCheckRequest {
  /** The agent (the name given to `registerAgent` and the contract). */
  readonly agent: string
  /** The tool about to run. */
  readonly tool: string
  /** The agent's session, when the caller tracks one. */
  readonly sessionId?: string
  /** The condition's `params` from the contract (for example `{ estimated_usd: 0.5 }`). */
  readonly params: Readonly<Record<string, unknown>>
}

/** The answer of a {@link BudgetChecker}. */
export interface BudgetCheckResult {
  /** `true` when the budget allows the call. */
  readonly allowed: boolean
  /** Why not (shown in the contract violation), or a note when allowed. */
  readonly reason?: string
  /** What is left, in US dollars, when the checker knows. */
  readonly remainingUsd?: number
}

/**
 * The interface the budgets module implements so contracts can check `budget_available`.
 * A checker that throws, or is missing when a contract names `budget_available`, fails closed.
 *
 * @example
 * ```ts
 * const budgets: BudgetChecker = {
 *   async checkBudget({ agent }) {
 *     const left = await remainingUsd(agent)
 *     return { allowed: left > 0, remainingUsd: left, reason: left > 0 ? undefined : 'daily cap reached' }
 *   },
 * }
 * const contracts = createContracts({ budget: budgets })
 * ```
 */
export interface BudgetChecker {
  checkBudget(request: BudgetCheckRequest): BudgetCheckResult | Promise<BudgetCheckResult>
}
