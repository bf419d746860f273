/** What the guard does with a call made outside `mima.attest(...)`. */
export type GuardMode = 'warn' | 'block' | 'report'

/** How often `warn` mode warns: every call, or once per call site. */
export type GuardWarnFrequency = 'everyCall' | 'oncePerSite'

/** The providers the guard knows how to patch. */
export type GuardProvider = 'openai' | 'anthropic'

/**
 * The provider an event names: an SDK the guard patches, or (network guard) the
 * OpenTelemetry `gen_ai.provider.name` of the host called (`gcp.gemini`, `aws.bedrock`, …) or the
 * name given to a host you added.
 */
export type GuardEventProvider = GuardProvider | (string & {})

/** One SDK module to patch: its provider and how to find it. */
export interface GuardSdkModule {
  readonly provider: GuardProvider
  /**
   * A package name (`openai`, an alias such as `openai-low`) or an absolute path to the
   * package's CommonJS entry. Both its CommonJS and its ESM copy get patched.
   */
  readonly specifier: string
}

/** One host the network guard treats as an AI provider API (see {@link NetworkGuardOptions}). */
export interface GuardHost {
  /**
   * `api.example.com`, `gateway.internal:8443` (that port only), `127.0.0.1:11434`, or
   * `*.example.com` (any subdomain).
   */
  readonly host: string
  /** The provider reported for it (`gen_ai.provider.name`), e.g. `ollama`. */
  readonly provider: string
}

/** Options for the network-level guard. */
export interface NetworkGuardOptions {
  /**
   * More hosts to treat as AI provider APIs, such as a self-hosted gateway or Ollama
   * (`{ host: 'localhost:11434', provider: 'ollama' }`). Added to the built-in list.
   */
  readonly hosts?: readonly GuardHost[]
  /** Keep the built-in provider hosts (default `true`). */
  readonly builtInHosts?: boolean
  /**
   * Also guard `node:http`/`https` (default `true`); global `fetch` is always guarded. The Jest
   * entry turns it off: Jest's test files share those modules but each has its own guard.
   */
  readonly http?: boolean
  /**
   * Copies of the npm `undici` package to guard, by package name as the app resolves it
   * (default `['undici']`; `[]` turns it off). Its `request`, `fetch`, `stream`, `pipeline` and
   * every `Client`/`Pool`/`Agent` `dispatch` are judged like global `fetch`. Global `fetch`'s own
   * undici (bundled in Node) is covered by the `fetch` patch.
   */
  readonly undici?: readonly string[]
}

/** Options for {@link enableGuard}. */
export interface GuardOptions {
  /** `warn` (default): a process warning; `block`: reject before any request leaves; `report`: record silently. */
  readonly mode?: GuardMode
  /** How often `warn` mode warns (`oncePerSite` by default, `everyCall` is the Python SDK's behaviour). */
  readonly warn?: GuardWarnFrequency
  /**
   * Whether unattested calls are recorded (OpenTelemetry span, else daemon socket, else JSONL log).
   * Defaults to `true`; the vitest entry turns it off.
   */
  readonly record?: boolean
  /** Also emit an OpenTelemetry span (with `mima.attested=true`) for attested calls. Off by default. */
  readonly traceAttested?: boolean
  /**
   * The SDK modules to patch. Defaults to `openai` and `@anthropic-ai/sdk`, each resolved from the
   * working directory, the main module and `@mima/guard` itself.
   */
  readonly sdks?: readonly GuardSdkModule[]
  /**
   * Which copies of each SDK to load and patch: both by default. An app that knows it only ever
   * `import`s (or only `require`s) the SDKs can skip loading the other copy at start-up.
   */
  readonly formats?: readonly ('commonjs' | 'esm')[]
  /**
   * How an SDK's CommonJS entry is loaded to be patched (Node's `require` by default). A test
   * runner with its own module registry passes its own `require`, as the Jest entry does.
   */
  readonly requireModule?: (file: string) => unknown
  /** Files or directories package names are resolved from (see {@link GuardOptions.sdks}). */
  readonly resolveFrom?: readonly string[]
  /** The workspace recorded on events; defaults to `MIMA_WORKSPACE_ID`, then `~/.mima/config.json`. */
  readonly workspaceId?: string
  /**
   * Send unattested-call reports to the Mima server too, when this process has a connection
   * (`MIMA_API_KEY` with `MIMA_BASE_URL`, or the `~/.mima/config.json` of `mima login`): the
   * dashboard, `mima posture` and the scanner's runtime view then see them. Batched, retried through
   * outages, never on the caller's path; the local log keeps every event either way. Default `true`.
   */
  readonly forward?: boolean
  /** The JSONL fallback log (`~/.mima/guard_log.jsonl`). */
  readonly logPath?: string
  /** Rotate the JSONL log when it reaches this many bytes (10 MiB). */
  readonly logMaxBytes?: number
  /** How many rotated logs to keep (3). */
  readonly logBackups?: number
  /** The daemon socket tried before the JSONL log (`~/.mima/guard/guard.sock`). */
  readonly socketPath?: string
  /**
   * The network-level guard (on by default): requests to known AI provider APIs (OpenAI, Azure
   * OpenAI, Anthropic, Gemini, Vertex AI, Bedrock, Mistral, Cohere, Groq, Together, Fireworks,
   * OpenRouter, DeepSeek, xAI and the hosts you add) made through global `fetch` or
   * `http`/`https`, by any library, are judged like SDK calls. `false` turns it off. Also read from
   * `MIMA_GUARD_HOSTS` (`host=provider,…`).
   */
  readonly network?: boolean | NetworkGuardOptions
  /**
   * Report mode resolves every unattested call's site (`file:line:column`) up to this many calls
   * per second of one method (1,000). Past it, the rest of each 10 ms window are counted into one
   * line with `calls` and `call_site_sampled: true`, carrying the method's last resolved site:
   * resolving a site is most of what report mode costs a call. `Infinity` resolves every call.
   * Warn and block mode, spans and `onEvent` always resolve every call's site.
   */
  readonly callSitesPerSecond?: number
  /** Called with each unattested-call event, after the guard handled it (for tests and custom sinks). */
  readonly onEvent?: (event: GuardEvent) => void
}

/** What the guard records about one unattested (or, with `traceAttested`, attested) AI call. */
export interface GuardEvent {
  /** ISO-8601 time of the call. */
  readonly ts: string
  /** The SDK method, e.g. `openai.chat.completions.create`. */
  readonly call: string
  /** `file:line:column` of the caller, when known. */
  readonly call_site?: string
  readonly attested: boolean
  /** What the guard did: `warned`, `blocked`, `reported` or `allowed` (attested). */
  readonly action: 'warned' | 'blocked' | 'reported' | 'allowed'
  readonly mode: GuardMode
  readonly provider: GuardEventProvider
  /** `network` when the network guard saw the call as an HTTP request; absent for SDK patches. */
  readonly layer?: 'network'
  /** GenAI operation name (`chat`, `embeddings`, `text_completion`). */
  readonly operation: string
  readonly model?: string
  readonly workspace_id?: string
  readonly pid: number
  /**
   * How many calls this line stands for, when more than one: report mode counts calls past
   * {@link GuardOptions.callSitesPerSecond} into one line. Absent means 1.
   */
  readonly calls?: number
  /** `true` on such a line: `call_site` is the method's last resolved site, not each call's. */
  readonly call_site_sampled?: true
}
