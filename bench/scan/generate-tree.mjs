// Writes a deterministic TypeScript application tree for bench/scan: mostly ordinary app code
// (services, React components, utilities, types), about one file in ten calling an AI SDK
// (some attested), and helpers that reach a client only through project imports.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

function random(seed) {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

const ordinaryBodies = [
  (index) => `import { z } from 'zod'
import type { Request, Response } from 'express'
import { logger } from '../lib/logger'

export const Order${index}Schema = z.object({ id: z.string(), total: z.number().nonnegative(), items: z.array(z.string()) })
export type Order${index} = z.infer<typeof Order${index}Schema>

export class OrderService${index} {
  private readonly cache = new Map<string, Order${index}>()
  constructor(private readonly repository: { find(id: string): Promise<Order${index} | undefined> }) {}

  async get(id: string): Promise<Order${index} | undefined> {
    const cached = this.cache.get(id)
    if (cached) return cached
    const order = await this.repository.find(id)
    if (order) this.cache.set(id, order)
    logger.debug('order loaded', { id, hit: Boolean(cached) })
    return order
  }

  total(orders: readonly Order${index}[]): number {
    return orders.reduce((sum, order) => sum + order.total, 0)
  }
}

export async function handler${index}(request: Request, response: Response): Promise<void> {
  const parsed = Order${index}Schema.safeParse(request.body)
  if (!parsed.success) {
    response.status(400).json({ error: parsed.error.flatten() })
    return
  }
  response.json({ ok: true, order: parsed.data })
}
`,
  (index) => `import { useEffect, useMemo, useState } from 'react'
import { formatCurrency } from '../lib/format'

interface Props${index} {
  readonly title: string
  readonly prices: readonly number[]
  readonly onSelect?: (value: number) => void
}

export function PriceList${index}({ title, prices, onSelect }: Props${index}) {
  const [selected, setSelected] = useState<number | undefined>(undefined)
  const sorted = useMemo(() => [...prices].sort((a, b) => a - b), [prices])
  useEffect(() => {
    if (selected !== undefined) onSelect?.(selected)
  }, [selected, onSelect])
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      <ul>
        {sorted.map((price) => (
          <li key={price}>
            <button type="button" onClick={() => setSelected(price)}>
              {formatCurrency(price)}
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}
`,
  (index) => `// Utilities shared by the reporting jobs.
export interface Range${index} {
  readonly from: Date
  readonly to: Date
}

export function daysBetween${index}(range: Range${index}): number {
  return Math.round((range.to.getTime() - range.from.getTime()) / 86_400_000)
}

export function chunk${index}<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size))
  return chunks
}

export function groupBy${index}<T, K extends string>(items: readonly T[], key: (item: T) => K): Record<K, T[]> {
  const groups = {} as Record<K, T[]>
  for (const item of items) {
    const name = key(item)
    ;(groups[name] ??= []).push(item)
  }
  return groups
}

export const retry${index} = async <T>(run: () => Promise<T>, attempts = 3): Promise<T> => {
  let lastError: unknown
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await run()
    } catch (error) {
      lastError = error
      await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 100))
    }
  }
  throw lastError
}
`,
]

const aiBodies = [
  (index) => `import OpenAI from 'openai'
import { mima } from '../lib/mima'

const client = new OpenAI()

export async function summarise${index}(text: string): Promise<string> {
  const response = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] })
  return response.choices[0]?.message.content ?? ''
}

export const attestedSummarise${index} = mima.attest({ toolName: 'summarise-${index}' }, async (text: string) => {
  const response = await client.responses.create({ model: 'gpt-4.1', input: text })
  return response.output_text
})
`,
  (index) => `import Anthropic from '@anthropic-ai/sdk'

export class SupportAgent${index} {
  private readonly anthropic: Anthropic
  constructor() {
    this.anthropic = new Anthropic()
  }
  async reply(question: string) {
    return this.anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 512, messages: [{ role: 'user', content: question }] })
  }
}
`,
  (index) => `import { generateText, embed } from 'ai'
import { openai } from '@ai-sdk/openai'

export async function answer${index}(prompt: string) {
  const { text } = await generateText({ model: openai('gpt-4o'), prompt })
  const { embedding } = await embed({ model: openai.embedding('text-embedding-3-small'), value: text })
  return { text, embedding }
}
`,
  (index) => `import { ChatOpenAI } from '@langchain/openai'

const model = new ChatOpenAI({ model: 'gpt-4o-mini', temperature: 0 })

export async function classify${index}(input: string) {
  const result = await model.invoke([['system', 'Classify the ticket.'], ['human', input]])
  return String(result.content)
}
`,
]

/**
 * Writes `count` files under `root`; returns the relative paths of the files that call an AI SDK
 * directly and of those that reach a client through a project import.
 */
export function generateTree(root, count) {
  const next = random(42)
  const direct = []
  const indirect = []
  mkdirSync(join(root, 'src', 'lib'), { recursive: true })
  writeFileSync(
    join(root, 'src', 'lib', 'mima.ts'),
    "import { createMima } from '@mima/core'\nexport const mima = createMima({ systemName: 'bench' })\n",
  )
  writeFileSync(
    join(root, 'src', 'lib', 'ai-client.ts'),
    "import OpenAI from 'openai'\nexport const sharedClient = new OpenAI()\n",
  )
  writeFileSync(
    join(root, 'src', 'lib', 'logger.ts'),
    'export const logger = { debug: (..._args: unknown[]) => {} }\n',
  )
  writeFileSync(
    join(root, 'src', 'lib', 'format.ts'),
    'export const formatCurrency = (value: number) => value.toFixed(2)\n',
  )
  for (let index = 0; index < count - 4; index++) {
    const folder = join(root, 'src', `module-${index % 50}`)
    mkdirSync(folder, { recursive: true })
    const roll = next()
    let name
    let body
    if (roll < 0.1) {
      body = aiBodies[index % aiBodies.length](index)
      name = `ai-${index}.ts`
      direct.push(`src/module-${index % 50}/${name}`)
    } else if (roll < 0.13) {
      body = `import { sharedClient } from '../lib/ai-client'\n\nexport async function moderate${index}(input: string) {\n  return sharedClient.moderations.create({ input })\n}\n`
      name = `moderate-${index}.ts`
      indirect.push(`src/module-${index % 50}/${name}`)
    } else {
      const kind = index % ordinaryBodies.length
      body = ordinaryBodies[kind](index)
      name = `${['service', 'component', 'util'][kind]}-${index}.${kind === 1 ? 'tsx' : 'ts'}`
    }
    writeFileSync(join(folder, name), body)
  }
  return { direct, indirect }
}
