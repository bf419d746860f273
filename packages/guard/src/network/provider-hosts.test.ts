import { describe, expect, it } from 'vitest'
import { createHostMatcher, DEFAULT_PROVIDER_HOSTS, hostsFromEnvironment } from './provider-hosts'
import { hostOfUrl, requestPath } from './request-url'

describe('provider hosts', () => {
  const matcher = createHostMatcher(DEFAULT_PROVIDER_HOSTS)

  it('knows every provider API the issue names, by exact host and by wildcard', () => {
    const cases: Array<[string, string]> = [
      ['api.openai.com', 'openai'],
      ['API.OpenAI.com:443', 'openai'],
      ['my-resource.openai.azure.com', 'azure.ai.openai'],
      ['api.anthropic.com', 'anthropic'],
      ['generativelanguage.googleapis.com', 'gcp.gemini'],
      ['us-central1-aiplatform.googleapis.com', 'gcp.vertex_ai'],
      ['aiplatform.googleapis.com', 'gcp.vertex_ai'],
      ['bedrock-runtime.eu-west-1.amazonaws.com', 'aws.bedrock'],
      ['bedrock-agent-runtime.us-east-1.amazonaws.com', 'aws.bedrock'],
      ['api.mistral.ai', 'mistral_ai'],
      ['api.cohere.com', 'cohere'],
      ['api.groq.com', 'groq'],
      ['api.together.xyz', 'together'],
      ['api.fireworks.ai', 'fireworks'],
      ['openrouter.ai', 'openrouter'],
      ['api.deepseek.com', 'deepseek'],
      ['api.x.ai', 'x_ai'],
      ['api.perplexity.ai', 'perplexity'],
      ['router.huggingface.co', 'huggingface'],
      ['api-inference.huggingface.co', 'huggingface'],
      ['my-model.us-east-1.aws.endpoints.huggingface.cloud', 'huggingface'],
      ['api.replicate.com', 'replicate'],
      ['fal.run', 'fal'],
      ['queue.fal.run', 'fal'],
    ]
    for (const [host, provider] of cases) expect(matcher(host), host).toBe(provider)
  })

  it('matches nothing else: look-alikes, control planes, other hosts', () => {
    for (const host of [
      'example.com',
      'api.openai.com.evil.example',
      'openai.azure.com',
      'bedrock.us-east-1.amazonaws.com',
      's3.amazonaws.com',
      'storage.googleapis.com',
      'huggingface.co',
      'replicate.com',
      'fal.ai',
      '127.0.0.1:8080',
    ]) {
      expect(matcher(host), host).toBeUndefined()
    }
  })

  it('a host with a port matches that port only; one without matches any', () => {
    const custom = createHostMatcher([
      { host: 'localhost:11434', provider: 'ollama' },
      { host: 'gateway.internal', provider: 'gateway' },
    ])
    expect(custom('localhost:11434')).toBe('ollama')
    expect(custom('localhost:8080')).toBeUndefined()
    expect(custom('gateway.internal:8443')).toBe('gateway')
  })

  it('refuses a host that cannot be one, with a clear error', () => {
    expect(() => createHostMatcher([{ host: 'https://api.example.com/v1', provider: 'x' }])).toThrow(
      /each network host needs a host name/,
    )
    expect(() => createHostMatcher([{ host: 'api.example.com', provider: '' }])).toThrow(/and a provider/)
    expect(() => createHostMatcher([{ host: '*.*.example.com', provider: 'x' }])).toThrow(/one '\*'/)
  })

  it('reads MIMA_GUARD_HOSTS', () => {
    expect(hostsFromEnvironment('localhost:11434=ollama, gateway.internal ,')).toEqual([
      { host: 'localhost:11434', provider: 'ollama' },
      { host: 'gateway.internal', provider: 'custom' },
    ])
    expect(hostsFromEnvironment(undefined)).toEqual([])
  })
})

describe('request URLs', () => {
  it('finds the host without parsing the whole URL, and the path without the query', () => {
    expect(hostOfUrl('https://api.openai.com/v1/chat')).toBe('api.openai.com')
    expect(hostOfUrl('https://user:pw@api.openai.com:443?x=1')).toBe('api.openai.com:443')
    expect(hostOfUrl('http://127.0.0.1:8080#frag')).toBe('127.0.0.1:8080')
    expect(hostOfUrl('/relative/path')).toBeUndefined()
    expect(requestPath('https://x.example/v1beta/models/gemini:generateContent?key=secret')).toBe(
      '/v1beta/models/gemini:generateContent',
    )
  })
})
