import type { CommandSpec } from '../cli/command'

/** A top-level command as listed in `mima --help`; its module loads only when it runs. */
export interface CommandEntry {
  readonly name: string
  readonly aliases?: readonly string[]
  readonly summary: string
  readonly group: 'Account' | 'Evidence' | 'Posture' | 'Operations' | 'Server'
  /** Runs, but is left out of `mima --help` (its server side is not in @mima/server yet). */
  readonly hidden?: boolean
  readonly load: () => Promise<CommandSpec>
}

/** Every top-level `mima` command. Keep this file free of static imports of command modules. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'login',
    group: 'Account',
    summary: 'Check an API key against the server and save it to ~/.mima/config.json',
    load: () => import('./account').then((module) => module.loginCommand),
  },
  {
    name: 'logout',
    group: 'Account',
    summary: 'Forget the saved credentials',
    load: () => import('./account').then((module) => module.logoutCommand),
  },
  {
    name: 'whoami',
    group: 'Account',
    summary: 'Show the server, workspace and key role in use, and where each came from',
    load: () => import('./account').then((module) => module.whoamiCommand),
  },
  {
    name: 'push',
    group: 'Evidence',
    summary: 'Record GRC evidence (13 record types); --dry-run shows the controls it earns',
    load: () => import('./push').then((module) => module.pushCommand),
  },
  {
    name: 'register',
    group: 'Evidence',
    summary: 'Register an AI system with its risk assessment (EU AI Act Art. 9)',
    load: () => import('./register').then((module) => module.registerCommand),
  },
  {
    name: 'acknowledge',
    group: 'Evidence',
    summary: 'Record that a person acknowledged a policy',
    load: () => import('./register').then((module) => module.acknowledgeCommand),
  },
  {
    name: 'status',
    group: 'Posture',
    summary: 'Readiness per framework: attested vs inferred, validation, quickest wins',
    load: () => import('./status').then((module) => module.statusCommand),
  },
  {
    name: 'posture',
    group: 'Posture',
    summary: 'One-screen posture brief: scores, failing gates, unattested calls',
    load: () => import('./posture').then((module) => module.postureCommand),
  },
  {
    name: 'list-systems',
    group: 'Posture',
    summary: 'AI systems with evidence, and whether each is registered',
    load: () => import('./posture').then((module) => module.listSystemsCommand),
  },
  {
    name: 'derive-controls',
    group: 'Posture',
    summary: 'From an action description to the controls it needs and which are uncovered',
    load: () => import('./posture').then((module) => module.deriveControlsCommand),
  },
  {
    name: 'generate-link',
    group: 'Posture',
    summary: 'Print the dashboard link for this workspace',
    load: () => import('./posture').then((module) => module.generateLinkCommand),
  },
  // scanner (issue 14): static scan, governance tests, policy files
  {
    name: 'scan',
    group: 'Posture',
    summary: 'Find AI call sites no attestation covers; coverage, --strict for CI, AI bill of materials',
    load: () => import('./scan').then((module) => module.scanCommand),
  },
  {
    name: 'init',
    group: 'Posture',
    summary: 'Scan, then write a governance test, a pre-commit hook and a CI workflow',
    load: () => import('./init').then((module) => module.initCommand),
  },
  {
    name: 'test',
    group: 'Posture',
    summary: 'Run the governance test, check scan coverage, or run the policy files',
    load: () => import('./test').then((module) => module.testCommand),
  },
  {
    name: 'approvals',
    group: 'Operations',
    summary: 'List, decide and watch human approval requests',
    load: () => import('./approvals').then((module) => module.approvalsCommand),
  },
  {
    name: 'gates',
    group: 'Operations',
    summary: 'Readiness gates: list, check (for CI), set, unset',
    load: () => import('./gates').then((module) => module.gatesCommand),
  },
  {
    name: 'policy',
    group: 'Operations',
    summary: 'Central policies: upload, list, show, diff versions; precheck text from stdin',
    load: () => import('./policy').then((module) => module.policyCommand),
  },
  {
    name: 'webhooks',
    group: 'Operations',
    summary: 'Manage signed webhooks: list, register, delete, test',
    load: () => import('./webhooks').then((module) => module.webhooksCommand),
  },
  {
    name: 'audit-pack',
    group: 'Operations',
    summary: 'Export evidence, attestations, tree head and proofs for an offline audit',
    load: () => import('./audit-pack').then((module) => module.auditPackCommand),
  },
  {
    name: 'report',
    group: 'Posture',
    summary: 'Compliance reports: EU AI Act Article 12 record keeping, summary per agent or system',
    load: () => import('./report').then((module) => module.reportCommand),
  },
  {
    name: 'verify',
    group: 'Operations',
    summary: "Check the workspace's ledger (signed heads, consistency, inclusion) or an audit pack",
    load: () => import('./verify').then((module) => module.verifyCommand),
  },
  {
    name: 'keys',
    group: 'Operations',
    summary: 'Generate an Ed25519 signing key; create, list and revoke API keys (admin)',
    load: () => import('./keys').then((module) => module.keysCommand),
  },
  {
    name: 'guard',
    group: 'Operations',
    summary: 'Start, stop or inspect the local guard daemon',
    load: () => import('./guard').then((module) => module.guardCommand),
  },
  // usage, budgets, agents (issue #16)
  {
    name: 'usage',
    group: 'Operations',
    summary: 'Spend and token usage per day, model, system, agent or user (CSV with --csv)',
    load: () => import('./usage').then((module) => module.usageCommand),
  },
  {
    name: 'budget',
    aliases: ['budgets'],
    group: 'Operations',
    summary: 'Show and set spend budgets per workspace, system, agent or user',
    load: () => import('./usage').then((module) => module.budgetCommand),
  },
  {
    name: 'agents',
    group: 'Operations',
    summary: 'List running agents and kill or revive them',
    load: () => import('./agents').then((module) => module.agentsCommand),
  },
  {
    name: 'tail',
    group: 'Operations',
    summary: 'Follow attestations, decisions and events live',
    load: () => import('./agents').then((module) => module.tailCommand),
  },
  {
    name: 'serve',
    group: 'Server',
    summary: 'Run the Mima server and dashboard (needs @mima/server installed)',
    load: () => import('./serve').then((module) => module.serveCommand),
  },
  {
    name: 'mcp',
    group: 'Operations',
    summary: 'Govern MCP tool calls through a proxy (needs @mima/mcp installed)',
    load: () => import('./mcp').then((module) => module.mcpCommand),
  },
]

/** Finds a command by name or alias. */
export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((entry) => entry.name === name || entry.aliases?.includes(name))
}
