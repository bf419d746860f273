// bench/policy-rules: the cost of one rule decision (a tool call, no text to scan) in @mima/policy's
// engine against @microsoft/agent-governance-sdk's PolicyEngine, with 1 and with 100 rules, in one
// process on the same tool names. The matching rule is the last of the 100 (a scan's worst case).
// Run `pnpm --filter @mima/policy build` first; `node --expose-gc bench/run.mjs policy-rules`.
import { PolicyEngine } from '@microsoft/agent-governance-sdk'
import { createPolicyEngine, detect } from '@mima/policy'
import { recordFigure } from '../report.mjs'

const gc = globalThis.gc ?? (() => {})
const now = () => performance.now()
const BLOCK = 20_000
const ROUNDS = Number(process.env.ROUNDS ?? 15)

function toolNames(count) {
  return Array.from({ length: count }, (_, index) => `tools.service_${index}.run`)
}

function microsoft(count) {
  const names = toolNames(count)
  const engine = new PolicyEngine(names.map((action) => ({ action, effect: 'allow' })))
  const target = names[names.length - 1]
  const context = {}
  return () => engine.evaluate(target, context)
}

function mima(count) {
  const names = toolNames(count)
  const engine = createPolicyEngine({
    policy: {
      deny_tools: [],
      tool_access: Object.fromEntries(names.map((name) => [name, { action: 'allow' }])),
    },
  })
  const input = { tool: names[names.length - 1] }
  return () => engine.evaluate(input).decision
}

// Baseline: a plain Map lookup of the tool name, the floor of any rule decision.
function mapLookup(count) {
  const names = toolNames(count)
  const table = new Map(names.map((name) => [name, 'allow']))
  const target = names[names.length - 1]
  return () => table.get(target)
}

/** Nanoseconds per call: the median of ROUNDS blocks of BLOCK calls, the candidates interleaved. */
function race(candidates) {
  const samples = new Map(candidates.map(([name]) => [name, []]))
  let sink = 0
  for (const [, fn] of candidates)
    for (let index = 0; index < BLOCK; index++) sink += fn() === 'allow' ? 1 : 0
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of candidates) {
      gc()
      const start = now()
      for (let index = 0; index < BLOCK; index++) sink += fn() === 'allow' ? 1 : 0
      samples.get(name).push(((now() - start) * 1e6) / BLOCK)
    }
  }
  if (sink === 0) throw new Error('no decision was allow')
  return new Map(
    [...samples].map(([name, values]) => {
      values.sort((left, right) => left - right)
      return [name, values[Math.floor(values.length / 2)]]
    }),
  )
}

console.log(`rule decision, ns per call (median of ${ROUNDS} blocks of ${BLOCK})`)
for (const count of [1, 100]) {
  const results = race([
    ['map lookup (baseline)', mapLookup(count)],
    ['@microsoft/agent-governance-sdk PolicyEngine.evaluate', microsoft(count)],
    ['@mima/policy engine.evaluate', mima(count)],
  ])
  const baseline = results.get('map lookup (baseline)')
  const theirs = results.get('@microsoft/agent-governance-sdk PolicyEngine.evaluate')
  const ours = results.get('@mima/policy engine.evaluate')
  console.log(`\n${count} rule${count === 1 ? '' : 's'}:`)
  for (const [name, value] of results) console.log(`  ${name.padEnd(56)} ${value.toFixed(1)} ns`)
  console.log(`  ours / Microsoft: ${(ours / theirs).toFixed(2)}× (target ≤ 1×)`)
  recordFigure({
    bench: 'policy-rules',
    name: `rule decision, ${count} rule${count === 1 ? '' : 's'} (Microsoft PolicyEngine: ${(theirs / 1000).toFixed(3)} µs)`,
    value: ours / 1000,
    unit: 'µs',
    baselineName: 'Map lookup',
    baseline: baseline / 1000,
    target: `≤ Microsoft PolicyEngine (${(theirs / 1000).toFixed(3)} µs)`,
    met: ours <= theirs,
  })
}

// The whole precheck on a 1 KB prompt (every built-in detector, the rule, the redaction), against
// `detect` alone on the same text: what the engine adds around detection.
const prompt = (
  'Hi, I am Ana Lopez, reach me at ana.lopez@example.com or +44 20 7946 0958. My card is 4111 1111 1111 1111 ' +
  'and the key sk-proj-A1b2C3d4E5f6G7h8I9j0K1l2M3n4 must not leak. '
).padEnd(1024, 'The quarterly report covers revenue, churn and the hiring plan for the next two quarters. ')
const engine = createPolicyEngine({ policy: { name: 'bench', defaults: { ingress: { action: 'redact' } } } })
const precheckInput = { tool: 'model.chat', scope: 'net.external', text: prompt }
function percentiles(fn, samples = 3000) {
  for (let index = 0; index < 300; index++) fn()
  const times = new Float64Array(samples)
  for (let index = 0; index < samples; index++) {
    const start = now()
    fn()
    times[index] = (now() - start) * 1000
  }
  times.sort()
  return { p50: times[Math.floor(samples * 0.5)], p99: times[Math.floor(samples * 0.99)] }
}
gc()
const detectOnly = percentiles(() => detect(prompt))
gc()
const precheck = percentiles(() => engine.evaluate(precheckInput))
if (engine.evaluate(precheckInput).decision !== 'redact') throw new Error('the bench prompt was not redacted')
console.log(`\nprecheck of a 1 KB prompt (all detectors, redact), µs:`)
console.log(`  detect alone (baseline)   p50 ${detectOnly.p50.toFixed(1)}  p99 ${detectOnly.p99.toFixed(1)}`)
console.log(
  `  engine.evaluate           p50 ${precheck.p50.toFixed(1)}  p99 ${precheck.p99.toFixed(1)}  (target p50 ≤ 50)`,
)
recordFigure({
  bench: 'policy-rules',
  name: 'precheck p50, 1 KB prompt, all detectors (engine.evaluate)',
  value: precheck.p50,
  unit: 'µs',
  baselineName: 'detect alone',
  baseline: detectOnly.p50,
  target: '≤ 50 µs',
  met: precheck.p50 <= 50,
})
