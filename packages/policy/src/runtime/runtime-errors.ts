import { MimaError, type MimaErrorOptions } from '@mima/core'

/** The agent was killed by an operator (or its kill state cannot be known and `failOpen` is off). */
export class AgentKilledError extends MimaError {
  readonly agentName: string
  readonly reason: string | undefined
  constructor(agentName: string, reason: string | undefined, options: MimaErrorOptions = {}) {
    super(
      'kill_switch',
      reason === undefined
        ? `Agent "${agentName}" is stopped by the kill switch. Revive it with \`mima agents revive ${agentName}\`.`
        : `Agent "${agentName}" is stopped by the kill switch: ${reason}. Revive it with \`mima agents revive ${agentName}\`.`,
      { ...options, details: { agent_name: agentName, reason: reason ?? null, ...options.details } },
    )
    this.agentName = agentName
    this.reason = reason
  }
}

/** A budget had too little left for the call's projected cost (or could not be checked). */
export class BudgetExceededError extends MimaError {
  constructor(message: string, options: MimaErrorOptions = {}) {
    super('budget_exceeded', message, options)
  }
}

/** A sliding-window loop detector with `action: 'raise'` saw too many calls. */
export class LoopDetectedError extends MimaError {
  readonly key: string
  readonly calls: number
  constructor(key: string, calls: number, windowMs: number) {
    super(
      'loop_detected',
      `Loop detected: ${calls} calls of ${key} within ${windowMs / 1000}s. The call was stopped.`,
      {
        details: { key, calls, window_ms: windowMs },
      },
    )
    this.key = key
    this.calls = calls
  }
}
