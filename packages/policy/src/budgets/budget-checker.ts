import { MimaError } from '@mima/core'
import type { RuntimeControls } from '../runtime/runtime-controls'

/** What a contract's `budget_available` check asks (structurally the policy engine's `BudgetCheckRequest`). */
export interface BudgetAvailabilityRequest {
  readonly agent: string
  readonly tool: string
  readonly sessionId?: string
  /** `estimated_usd` and `estimated_tokens` are read when present. */
  readonly params: Readonly<Record<string, unknown>>
}

/** The answer (structurally the policy engine's `BudgetCheckResult`). */
export interface BudgetAvailability {
  readonly allowed: boolean
  readonly reason?: string
  readonly remainingUsd?: number
}

/** The checker contracts call (structurally the policy engine's `BudgetChecker`). */
export interface RuntimeBudgetChecker {
  checkBudget(request: BudgetAvailabilityRequest): Promise<BudgetAvailability>
  /** The kill-switch check for the policy engine's precheck path: throws `AgentKilledError`. */
  assertAlive(agentName?: string): void
}

/**
 * Adapts runtime controls to the contracts' `budget_available` check: the agent must not be
 * killed, and the budget must hold the call's estimate (`params.estimated_usd`,
 * `params.estimated_tokens`). It checks without spending: the reservation is given back at once.
 *
 * @example
 * ```ts
 * const contracts = createContracts({ budget: createBudgetChecker(controls) })
 * ```
 */
export function createBudgetChecker(controls: RuntimeControls): RuntimeBudgetChecker {
  return {
    assertAlive: (agentName) => controls.assertAlive(agentName),
    async checkBudget(request) {
      const usd = typeof request.params.estimated_usd === 'number' ? request.params.estimated_usd : 0
      const tokens = typeof request.params.estimated_tokens === 'number' ? request.params.estimated_tokens : 0
      try {
        controls.assertAlive(request.agent)
        const ticket = await controls.checkOrRaise({ projectedUsd: usd, projectedTokens: tokens })
        controls.budgets.release(ticket)
        return { allowed: true, reason: 'within budget' }
      } catch (error) {
        if (MimaError.isInstance(error)) return { allowed: false, reason: error.message }
        throw error
      }
    },
  }
}
