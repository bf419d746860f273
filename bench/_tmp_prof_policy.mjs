import { detect, redact } from '@mima/policy'
const PROSE = "Hi team, following up on yesterday's call about the quarterly migration. The vendor confirmed that the new pipeline will be ready next week. We agreed to run the pilot with the analytics group first and widen it after two weeks. Please review the attached plan and leave your comments by Thursday afternoon. Details: john.doe@example.com. The staging cluster needs two more nodes before the load test can start. Details: +44 20 7946 0958. Dashboards should show latency percentiles instead of averages from now on. The on-call rotation will change from weekly to fortnightly in the new year. Details: DE89 3704 0044 0532 0130 00. My suggestion is to keep the legacy export running for one more cycle. Finance will validate "
const text = PROSE.slice(0, 1024)
for (let i = 0; i < 2000; i++) redact(text)
const N = 20000
const t = performance.now()
for (let i = 0; i < N; i++) redact(text)
console.log('redact per KB', (((performance.now() - t) * 1000) / N).toFixed(1), 'µs', text.length)
const t2 = performance.now()
for (let i = 0; i < N; i++) detect(text)
console.log('detect per KB', (((performance.now() - t2) * 1000) / N).toFixed(1), 'µs')
