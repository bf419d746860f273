/**
 * What the policy checks ask before deciding anything: is this agent still allowed to run?
 * `createRuntimeControls(...)`, `createKillSwitch(...)` and `createBudgetChecker(...)` all are one.
 * It throws `AgentKilledError` for a killed agent (and a `kill_switch` error when the kill state is
 * unknown and the controls fail closed); it is synchronous and local, so every check can afford it.
 */
export interface AliveCheck {
  assertAlive(agentName?: string): void
}
