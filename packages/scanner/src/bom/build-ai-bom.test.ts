import { join } from 'node:path'
import { Spec, Validation } from '@cyclonedx/cyclonedx-library'
import { describe, expect, it } from 'vitest'
import { scan } from '../scan/scan'
import { buildAiBom, serializeAiBom } from './build-ai-bom'

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures')

describe('buildAiBom', () => {
  it('writes a CycloneDX 1.6 BOM that validates, with SDKs, models, MCP servers and call sites', async () => {
    const result = await scan(['.'], { cwd: join(FIXTURES, 'sdks'), workers: 0 })
    const json = serializeAiBom(
      buildAiBom(result, { name: 'sdks', timestamp: new Date('2026-01-01T00:00:00Z') }),
    )
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6)
    expect(await validator.validate(json)).toBeNull()

    const bom = JSON.parse(json)
    expect(bom.specVersion).toBe('1.6')
    const libraries = bom.components.filter((component: { type: string }) => component.type === 'library')
    expect(libraries.map((component: { name: string }) => component.name)).toEqual(
      expect.arrayContaining(['openai', '@anthropic-ai/sdk', 'ai', 'ollama', '@modelcontextprotocol/sdk']),
    )
    const openai = libraries.find((component: { name: string }) => component.name === 'openai')
    expect(openai.properties).toContainEqual({
      name: 'mima:call-site',
      value: 'openai-and-anthropic.ts:14 chat unattested high',
    })
    const models = bom.components
      .filter((component: { type: string }) => component.type === 'machine-learning-model')
      .map((component: { name: string }) => component.name)
    expect(models).toEqual(
      expect.arrayContaining(['gpt-4o', 'claude-sonnet-4-5', 'gemini-2.5-flash', 'gpt-4o-mini']),
    )
    expect(bom.services.map((service: { name: string }) => service.name).sort()).toEqual([
      'http://127.0.0.1:3001/mcp',
      'npx -y @modelcontextprotocol/server-filesystem .',
    ])
  })
})
