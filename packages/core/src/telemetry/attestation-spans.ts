import type { AttestationPayload } from '../attestation/attestation-payload'
import type { NewAttestationRecord } from '../client/attestation-record'

/** A span attribute value (OpenTelemetry's primitive `AttributeValue`s). */
export type SpanAttributeValue = string | number | boolean

/**
 * The part of an OpenTelemetry `Tracer` that attestation spans use: `trace.getTracer('my-app')`
 * from `@opentelemetry/api` fits it. Declared here so that `@mima/core` has no OpenTelemetry
 * dependency and stays the same on every runtime.
 */
export interface AttestationTracer {
  startSpan(
    name: string,
    options?: {
      kind?: number
      /** Milliseconds since the epoch. */
      startTime?: number
      attributes?: Record<string, SpanAttributeValue>
    },
  ): {
    setStatus(status: { code: number; message?: string }): unknown
    /** Milliseconds since the epoch. */
    end(endTime?: number): void
  }
}

// OpenTelemetry's SpanKind and SpanStatusCode values, which are part of its stable API.
const SPAN_KIND_INTERNAL = 0
const SPAN_KIND_CLIENT = 2
const STATUS_ERROR = 2

/**
 * Operations the SDK integrations record, as GenAI `gen_ai.operation.name` values. Values that
 * already are the convention's pass through; any other model operation is `generate_content`.
 */
const OPERATION_NAMES: Readonly<Record<string, string>> = {
  'chat.completions': 'chat',
  responses: 'chat',
  messages: 'chat',
  'beta.messages': 'chat',
  completions: 'text_completion',
  ...Object.fromEntries(
    [
      'chat',
      'create_agent',
      'embeddings',
      'execute_tool',
      'generate_content',
      'invoke_agent',
      'invoke_workflow',
      'retrieval',
      'text_completion',
    ].map((name) => [name, name]),
  ),
}

/** Provider names the SDK records, as GenAI `gen_ai.provider.name` values (others pass through). */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  google: 'gcp.gen_ai',
  gemini: 'gcp.gemini',
  vertex: 'gcp.vertex_ai',
  vertex_ai: 'gcp.vertex_ai',
  bedrock: 'aws.bedrock',
  aws: 'aws.bedrock',
  azure: 'azure.ai.openai',
  azure_openai: 'azure.ai.openai',
  mistral: 'mistral_ai',
  xai: 'x_ai',
}

/** The `gen_ai.operation.name` of a record: a model call's operation, else `execute_tool`. */
function operationOf(record: AttestationPayload): string {
  if (record.operation !== undefined) return OPERATION_NAMES[record.operation] ?? 'generate_content'
  return record.provider === undefined ? 'execute_tool' : 'chat'
}

/**
 * The span of one attestation, named and attributed by the OpenTelemetry GenAI semantic
 * conventions: `chat gpt-4o-mini` for a model call (kind CLIENT), `execute_tool refund` for an
 * attested function (kind INTERNAL), with the record's own fields under `mima.*`. It starts at
 * `startedAt` (milliseconds since the epoch; default the record's `executed_at`) and lasts the
 * record's `duration_ms`.
 */
export function attestationSpan(
  record: AttestationPayload,
  startedAt: number = Date.parse(record.executed_at ?? ''),
): {
  name: string
  kind: number
  attributes: Record<string, SpanAttributeValue>
  startTime: number
  endTime: number
  failed: boolean
} {
  const operation = operationOf(record)
  const attributes: Record<string, SpanAttributeValue> = { 'gen_ai.operation.name': operation }
  if (record.provider !== undefined) {
    attributes['gen_ai.provider.name'] = PROVIDER_NAMES[record.provider] ?? record.provider
  }
  if (record.model_id) attributes['gen_ai.request.model'] = record.model_id
  if (operation === 'execute_tool') attributes['gen_ai.tool.name'] = record.tool_name
  if (record.input_tokens !== undefined) attributes['gen_ai.usage.input_tokens'] = record.input_tokens
  if (record.output_tokens !== undefined) attributes['gen_ai.usage.output_tokens'] = record.output_tokens
  if (record.cached_tokens !== undefined) {
    attributes['gen_ai.usage.cache_read.input_tokens'] = record.cached_tokens
  }
  if (record.error_type !== undefined) attributes['error.type'] = record.error_type
  attributes['mima.tool_name'] = record.tool_name
  attributes['mima.system_name'] = record.system_name
  attributes['mima.agent_name'] = record.agent_name
  if (record.idempotency_key !== undefined) attributes['mima.idempotency_key'] = record.idempotency_key
  attributes['mima.signed'] = record.witness_sig !== undefined
  if (record.cost_usd !== undefined) attributes['mima.cost_usd'] = record.cost_usd
  if (record.session_id !== undefined) attributes['mima.session_id'] = record.session_id
  if (record.operation !== undefined) attributes['mima.operation'] = record.operation

  const subject = operation === 'execute_tool' ? record.tool_name : record.model_id
  const startTime = Number.isFinite(startedAt) ? startedAt : Date.now()
  const duration = record.duration_ms ?? 0
  return {
    name: subject ? `${operation} ${subject}` : operation,
    kind: operation === 'execute_tool' ? SPAN_KIND_INTERNAL : SPAN_KIND_CLIENT,
    attributes,
    startTime,
    endTime: startTime + (Number.isFinite(duration) && duration > 0 ? duration : 0),
    failed: record.error_type !== undefined,
  }
}

/**
 * Wraps a record builder so that every attestation it builds is also an OpenTelemetry span on
 * `tracer`, timed from the record's `executed_at` and `duration_ms`. A tracer that throws costs
 * the span, never the attestation.
 */
export function withAttestationSpans(
  newRecord: NewAttestationRecord,
  tracer: AttestationTracer | undefined,
): NewAttestationRecord {
  if (tracer === undefined) return newRecord
  return (toolName, startedAt, fields) => {
    const record = newRecord(toolName, startedAt, fields)
    try {
      const span = attestationSpan(record, startedAt)
      const started = tracer.startSpan(span.name, {
        kind: span.kind,
        startTime: span.startTime,
        attributes: span.attributes,
      })
      if (span.failed) started.setStatus({ code: STATUS_ERROR, message: record.error_type ?? '' })
      started.end(span.endTime)
    } catch {
      // Tracing is best effort: the record is what matters.
    }
    return record
  }
}
