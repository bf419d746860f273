import { MimaError } from '@mima/core'
import type { DecisionRecord } from '../evidence/decision-record'
import { type CompiledPolicy, compilePolicy } from '../policy/compile-policy'
import type { PolicyDocument } from '../policy/policy-document'
import type { PolicyEngine } from '../precheck/create-policy-engine'
import type { AgentScope, ToolMetadata } from '../scope/scope-registry'
import { PolicyHttp, type PolicyServerSource } from './policy-http'

/** A version of a central policy, as fetched. */
export interface CentralPolicy {
  readonly name: string
  readonly version: number
  readonly document: PolicyDocument
  readonly contentHash: string
  /** The compiled policy, ready for `engine.setPolicy`. */
  readonly compiled: CompiledPolicy
  /** `true` when the server could not be reached and this is the cached copy. */
  readonly stale: boolean
}

/** A policy in the workspace's list. */
export interface CentralPolicySummary {
  readonly name: string
  readonly latest_version: number
  readonly content_hash: string
  readonly updated_at: string
  readonly versions: number
}

/** Options for {@link createPolicyClient}. */
export interface PolicyClientOptions {
  /**
   * A file where the last fetched version of each policy is kept (Node), so a restart while the
   * server is unreachable still starts with the central policy instead of failing.
   */
  readonly cacheFile?: string
}

/** Follows a central policy into an engine (see {@link PolicyClient.follow}). */
export interface PolicyFollower {
  /** The version in force. */
  readonly current: CentralPolicy
  /** Fetches now (a 304 when unchanged); applies a new version. */
  refresh(): Promise<CentralPolicy>
  stop(): void
}

/** Batches decision records to the server (see {@link PolicyClient.decisionReporter}). */
export interface DecisionReporter {
  /** Queues a record (use it as `evidence.sink`). */
  readonly sink: (record: DecisionRecord) => void
  /** Sends what is queued now. */
  flush(): Promise<void>
  /** Flushes and stops the timer. */
  close(): Promise<void>
}

/** The workspace's central policies, agent scopes and tool registry on the Mima server. */
export interface PolicyClient {
  /** Fetches a policy (the newest version, or one), with an ETag cache; the cached copy when the server is unreachable. */
  fetch(name: string, options?: { readonly version?: number }): Promise<CentralPolicy>
  /** Uploads a new version (YAML text or an object); the same content keeps its version. Needs an admin key. */
  upload(
    name: string,
    policy: string | PolicyDocument,
    options?: { readonly file?: string },
  ): Promise<{ version: number; created: boolean; content_hash: string }>
  /** The workspace's policies. */
  list(): Promise<CentralPolicySummary[]>
  /** The versions of one policy, newest first. */
  versions(
    name: string,
  ): Promise<{ version: number; content_hash: string; created_by: string; created_at: string }[]>
  /**
   * Fetches `name` into `engine` now (throws when it cannot, and nothing is cached) and then every
   * `intervalMs` (default 60 s). A refused or unreachable refresh keeps the version in force.
   */
  follow(
    engine: PolicyEngine,
    name: string,
    options?: { readonly intervalMs?: number; readonly onError?: (error: unknown) => void },
  ): Promise<PolicyFollower>
  /** Sends decision records (they never carry text). */
  reportDecisions(records: readonly DecisionRecord[]): Promise<void>
  /** A batching sink for `createPolicyEngine({ evidence: { sink } })`. */
  decisionReporter(options?: {
    readonly maxBatch?: number
    readonly flushMs?: number
    readonly onError?: (error: unknown) => void
  }): DecisionReporter
  /** Registers an agent's scope on the server (the dashboard shows it). */
  registerAgent(scope: AgentScope): Promise<void>
  /** Registers tools with their metadata on the server. */
  registerTools(tools: readonly ToolMetadata[]): Promise<void>
}

interface StoredVersion {
  name: string
  version: number
  document: PolicyDocument
  content_hash: string
}

function central(stored: StoredVersion, stale: boolean): CentralPolicy {
  return {
    name: stored.name,
    version: stored.version,
    document: stored.document,
    contentHash: stored.content_hash,
    compiled: compilePolicy({ ...stored.document, name: stored.name, version: stored.version }),
    stale,
  }
}

/**
 * Creates the client of the workspace's central policies: fetch (cached, with ETags), follow a
 * policy into an engine, upload and list versions, report decisions, register scopes and tools.
 *
 * @example
 * ```ts
 * const policies = createPolicyClient(mima)
 * const engine = createPolicyEngine({ evidence: { commitmentKey, sink: policies.decisionReporter().sink } })
 * await policies.follow(engine, 'support-bot')
 * ```
 */
export function createPolicyClient(
  source: PolicyServerSource,
  options: PolicyClientOptions = {},
): PolicyClient {
  const http = new PolicyHttp(source)
  const cache = new Map<string, { etag: string | undefined; policy: CentralPolicy }>()
  let fileCache: Promise<Record<string, StoredVersion>> | undefined

  async function readFileCache(): Promise<Record<string, StoredVersion>> {
    if (options.cacheFile === undefined) return {}
    fileCache ??= import('node:fs/promises')
      .then(({ readFile }) => readFile(options.cacheFile as string, 'utf8'))
      .then((text) => JSON.parse(text) as Record<string, StoredVersion>)
      .catch(() => ({}))
    return fileCache
  }

  async function writeFileCache(stored: StoredVersion): Promise<void> {
    if (options.cacheFile === undefined) return
    const all = { ...(await readFileCache()), [stored.name]: stored }
    fileCache = Promise.resolve(all)
    const { writeFile, rename } = await import('node:fs/promises')
    const temporary = `${options.cacheFile}.${Date.now().toString(36)}${Math.random().toString(36).slice(2)}.tmp`
    await writeFile(temporary, JSON.stringify(all), { mode: 0o600 })
    await rename(temporary, options.cacheFile)
  }

  async function fetchPolicy(
    name: string,
    fetchOptions: { readonly version?: number } = {},
  ): Promise<CentralPolicy> {
    const key = `${name}@${fetchOptions.version ?? 'latest'}`
    const cached = cache.get(key)
    const query = fetchOptions.version === undefined ? '' : `?version=${fetchOptions.version}`
    try {
      const response = await http.workspace<StoredVersion>(
        'GET',
        `/policies/${encodeURIComponent(name)}${query}`,
        {
          ...(cached?.etag === undefined ? {} : { headers: { 'if-none-match': cached.etag } }),
        },
      )
      if (response.status === 304 && cached !== undefined) return { ...cached.policy, stale: false }
      const policy = central(response.data, false)
      cache.set(key, { etag: response.headers.get('etag') ?? undefined, policy })
      if (fetchOptions.version === undefined) await writeFileCache(response.data).catch(() => undefined)
      return policy
    } catch (error) {
      // Unreachable or failing server: serve the last good copy; a refusal (4xx) is not hidden.
      if (!(MimaError.isInstance(error) && (error.code === 'network_error' || error.retryable))) throw error
      if (cached !== undefined) return { ...cached.policy, stale: true }
      const stored = fetchOptions.version === undefined ? (await readFileCache())[name] : undefined
      if (stored !== undefined) return central(stored, true)
      throw error
    }
  }

  async function reportDecisions(records: readonly DecisionRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += 1000) {
      await http.workspace('POST', '/policy/decisions', {
        body: { decisions: records.slice(start, start + 1000) },
      })
    }
  }

  return {
    fetch: fetchPolicy,
    async upload(name, policy, uploadOptions = {}) {
      const body =
        typeof policy === 'string'
          ? { source: policy, ...(uploadOptions.file === undefined ? {} : { file: uploadOptions.file }) }
          : { policy }
      const response = await http.workspace<{ version: number; created: boolean; content_hash: string }>(
        'POST',
        `/policies/${encodeURIComponent(name)}/versions`,
        { body },
      )
      return response.data
    },
    async list() {
      return (await http.workspace<{ policies: CentralPolicySummary[] }>('GET', '/policies')).data.policies
    },
    async versions(name) {
      const response = await http.workspace<{
        versions: { version: number; content_hash: string; created_by: string; created_at: string }[]
      }>('GET', `/policies/${encodeURIComponent(name)}/versions`)
      return response.data.versions
    },
    async follow(engine, name, followOptions = {}) {
      let current = await fetchPolicy(name)
      engine.setPolicy(current.compiled)
      const refresh = async (): Promise<CentralPolicy> => {
        const next = await fetchPolicy(name)
        if (next.version !== current.version || next.contentHash !== current.contentHash) {
          engine.setPolicy(next.compiled)
        }
        current = next
        return next
      }
      const onError =
        followOptions.onError ??
        ((error: unknown) =>
          console.warn(
            `[mima] refreshing policy '${name}' failed; keeping version ${current.version}: ${String(error)}`,
          ))
      const timer = setInterval(() => {
        refresh().catch(onError)
      }, followOptions.intervalMs ?? 60_000)
      ;(timer as { unref?: () => void }).unref?.()
      return {
        get current() {
          return current
        },
        refresh,
        stop: () => clearInterval(timer),
      }
    },
    reportDecisions,
    decisionReporter(reporterOptions = {}) {
      const maxBatch = reporterOptions.maxBatch ?? 100
      const onError =
        reporterOptions.onError ??
        ((error: unknown) => console.warn(`[mima] sending policy decisions failed: ${String(error)}`))
      let queue: DecisionRecord[] = []
      let sending: Promise<void> = Promise.resolve()
      const flush = (): Promise<void> => {
        if (queue.length === 0) return sending
        const batch = queue
        queue = []
        sending = sending.then(() => reportDecisions(batch)).catch(onError)
        return sending
      }
      const timer = setInterval(() => void flush(), reporterOptions.flushMs ?? 2000)
      ;(timer as { unref?: () => void }).unref?.()
      return {
        sink(record) {
          queue.push(record)
          if (queue.length >= maxBatch) void flush()
        },
        flush,
        async close() {
          clearInterval(timer)
          await flush()
        },
      }
    },
    async registerAgent(scope) {
      await http.workspace('PUT', `/policy/agents/${encodeURIComponent(scope.agent)}`, {
        body: {
          allowed_tools: scope.allowedTools,
          allowed_apis: scope.allowedApis ?? [],
          hidden_tools: scope.hiddenTools ?? [],
        },
      })
    },
    async registerTools(tools) {
      for (const tool of tools) {
        await http.workspace('PUT', `/policy/tools/${encodeURIComponent(tool.name)}`, {
          body: {
            ...(tool.description === undefined ? {} : { description: tool.description }),
            ...(tool.category === undefined ? {} : { category: tool.category }),
            ...(tool.riskLevel === undefined ? {} : { risk_level: tool.riskLevel }),
            requires_approval: tool.requiresApproval ?? false,
            metadata: tool.metadata ?? {},
          },
        })
      }
    },
  }
}
