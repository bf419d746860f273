import {
  type Attributes,
  ProxyTracerProvider,
  SpanKind,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import type { GuardEvent } from '../guard/guard-options'
import { VERSION } from '../version'

const noopProviderConstructor: unknown = new ProxyTracerProvider().getDelegate().constructor
let cachedProvider: TracerProvider | undefined
let cachedTracer: Tracer | undefined

/** The guard's tracer when a real tracer provider is registered, else `undefined` (checked on every call). */
export function activeTracer(): Tracer | undefined {
  let provider: TracerProvider = trace.getTracerProvider()
  if (provider instanceof ProxyTracerProvider) provider = provider.getDelegate()
  else if (typeof (provider as { getDelegate?: unknown }).getDelegate === 'function') {
    provider = (provider as ProxyTracerProvider).getDelegate()
  }
  const providerClass = (provider as { constructor?: unknown }).constructor
  if (
    providerClass === noopProviderConstructor ||
    (providerClass as { name?: string })?.name === 'NoopTracerProvider'
  ) {
    return undefined
  }
  if (provider !== cachedProvider) {
    cachedProvider = provider
    cachedTracer = provider.getTracer('@mima/guard', VERSION)
  }
  return cachedTracer
}

/** Emits the `mima.ai_call` span for one event. */
export function emitGuardSpan(tracer: Tracer, event: GuardEvent): void {
  const attributes: Attributes = {
    'mima.call': event.call,
    'mima.attested': event.attested,
    'mima.guard.action': event.action,
    'mima.guard.mode': event.mode,
    // GenAI semantic conventions: `gen_ai.provider.name` replaced `gen_ai.system`.
    'gen_ai.provider.name': event.provider,
    'gen_ai.operation.name': event.operation,
  }
  attributes['mima.call_site'] = event.call_site ?? event.call
  if (event.layer !== undefined) attributes['mima.guard.layer'] = event.layer
  if (event.workspace_id !== undefined) attributes['mima.workspace_id'] = event.workspace_id
  if (event.model !== undefined) attributes['gen_ai.request.model'] = event.model
  tracer.startSpan('mima.ai_call', { kind: SpanKind.INTERNAL, attributes }).end()
}
