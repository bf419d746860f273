import { MimaError } from '@mima/core'

/** One AI provider host the network guard watches. */
export interface ProviderHost {
  /**
   * `api.example.com`, `api.example.com:8443` (that port only), `127.0.0.1:11434`, or
   * `*.example.com` (any subdomain). Matched without case.
   */
  readonly host: string
  /** The provider reported for it, e.g. `ollama` (OpenTelemetry `gen_ai.provider.name`). */
  readonly provider: string
}

/**
 * The AI provider APIs the network guard knows, named with OpenTelemetry's `gen_ai.provider.name`
 * values where the GenAI semantic conventions define one.
 */
export const DEFAULT_PROVIDER_HOSTS: readonly ProviderHost[] = [
  { host: 'api.openai.com', provider: 'openai' },
  { host: '*.openai.azure.com', provider: 'azure.ai.openai' },
  { host: '*.services.ai.azure.com', provider: 'azure.ai.inference' },
  { host: '*.cognitiveservices.azure.com', provider: 'azure.ai.openai' },
  { host: 'api.anthropic.com', provider: 'anthropic' },
  { host: 'generativelanguage.googleapis.com', provider: 'gcp.gemini' },
  { host: 'aiplatform.googleapis.com', provider: 'gcp.vertex_ai' },
  { host: '*-aiplatform.googleapis.com', provider: 'gcp.vertex_ai' },
  { host: 'bedrock-runtime.*.amazonaws.com', provider: 'aws.bedrock' },
  { host: 'bedrock-runtime-fips.*.amazonaws.com', provider: 'aws.bedrock' },
  { host: 'bedrock-agent-runtime.*.amazonaws.com', provider: 'aws.bedrock' },
  { host: 'bedrock-agent-runtime-fips.*.amazonaws.com', provider: 'aws.bedrock' },
  { host: 'api.mistral.ai', provider: 'mistral_ai' },
  { host: 'api.cohere.com', provider: 'cohere' },
  { host: 'api.cohere.ai', provider: 'cohere' },
  { host: 'api.groq.com', provider: 'groq' },
  { host: 'api.together.xyz', provider: 'together' },
  { host: 'api.together.ai', provider: 'together' },
  { host: 'api.fireworks.ai', provider: 'fireworks' },
  { host: 'openrouter.ai', provider: 'openrouter' },
  { host: 'api.deepseek.com', provider: 'deepseek' },
  { host: 'api.x.ai', provider: 'x_ai' },
  { host: 'api.perplexity.ai', provider: 'perplexity' },
  { host: 'router.huggingface.co', provider: 'huggingface' },
  { host: 'api-inference.huggingface.co', provider: 'huggingface' },
  { host: '*.endpoints.huggingface.cloud', provider: 'huggingface' },
  { host: 'api.replicate.com', provider: 'replicate' },
  { host: 'fal.run', provider: 'fal' },
  { host: '*.fal.run', provider: 'fal' },
]

/** Finds the provider of a request's host (`hostname` or `hostname:port`), or `undefined`. */
export type HostMatcher = (host: string) => string | undefined

interface Pattern {
  readonly prefix: string
  readonly suffix: string
  readonly provider: string
}

/**
 * Builds the matcher the network guard calls on every request: one map lookup for exact hosts,
 * and a few prefix/suffix checks for wildcard ones, so requests to other hosts cost almost nothing.
 */
export function createHostMatcher(hosts: readonly ProviderHost[]): HostMatcher {
  const exact = new Map<string, string>()
  const patterns: Pattern[] = []
  for (const entry of hosts) {
    const host = typeof entry?.host === 'string' ? entry.host.trim().toLowerCase() : ''
    if (host === '' || typeof entry.provider !== 'string' || entry.provider === '' || /[/\s?#@]/.test(host)) {
      throw new MimaError(
        'validation_failed',
        `enableGuard: each network host needs a host name (such as 'api.example.com', '127.0.0.1:11434' or '*.example.com') and a provider (got ${JSON.stringify(entry)})`,
      )
    }
    const star = host.indexOf('*')
    if (star === -1) exact.set(host, entry.provider)
    else if (host.indexOf('*', star + 1) !== -1) {
      throw new MimaError('validation_failed', `enableGuard: a network host may hold one '*' (got ${host})`)
    } else
      patterns.push({ prefix: host.slice(0, star), suffix: host.slice(star + 1), provider: entry.provider })
  }
  return (host) => {
    const lower = host.toLowerCase()
    const found = exact.get(lower)
    if (found !== undefined) return found
    // `api.example.com:443` also matches `api.example.com`; `name:port` entries match that port only.
    const colon = lower.lastIndexOf(':')
    const hostname = colon === -1 || lower.endsWith(']') ? lower : lower.slice(0, colon)
    if (hostname !== lower) {
      const withoutPort = exact.get(hostname)
      if (withoutPort !== undefined) return withoutPort
    }
    for (const pattern of patterns) {
      if (
        hostname.length > pattern.prefix.length + pattern.suffix.length &&
        hostname.startsWith(pattern.prefix) &&
        hostname.endsWith(pattern.suffix)
      ) {
        return pattern.provider
      }
    }
    return undefined
  }
}

/**
 * Reads extra hosts from `MIMA_GUARD_HOSTS`: comma-separated `host` or `host=provider` entries
 * (provider `custom` when left out), e.g. `localhost:11434=ollama,gateway.internal=gateway`.
 */
export function hostsFromEnvironment(value: string | undefined): ProviderHost[] {
  if (value === undefined || value.trim() === '') return []
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const equals = item.indexOf('=')
      return equals === -1
        ? { host: item, provider: 'custom' }
        : { host: item.slice(0, equals).trim(), provider: item.slice(equals + 1).trim() }
    })
}
