import { Enums, Models, Serialize, Spec } from '@cyclonedx/cyclonedx-library'
import type { ScanResult } from '../scan/scan'
import { VERSION } from '../version'

/** Options for {@link buildAiBom}. */
export interface AiBomOptions {
  /** The application the BOM describes (default: the scanned directory's name). */
  readonly name?: string
  readonly version?: string
  /** Fixed for reproducible output (tests); default now. */
  readonly timestamp?: Date
  /** A fixed serial number (`urn:uuid:…`); default a random one. */
  readonly serialNumber?: string
}

function npmPurl(name: string, version: string | undefined): string {
  const encoded = name.startsWith('@') ? `%40${name.slice(1)}` : name
  const clean = version && /^\d/.test(version) ? version : undefined
  return clean ? `pkg:npm/${encoded}@${clean}` : `pkg:npm/${encoded}`
}

function property(name: string, value: string): Models.Property {
  return new Models.Property(name, value)
}

/**
 * Builds a CycloneDX AI bill of materials from a scan: the AI SDKs with their installed
 * versions (with every call site through them as `mima:call-site` evidence), the model ids the
 * code names, and the MCP servers it connects to.
 *
 * @example
 * ```ts
 * const json = serializeAiBom(buildAiBom(await scan(['.'])))
 * ```
 */
export function buildAiBom(result: ScanResult, options: AiBomOptions = {}): Models.Bom {
  const bom = new Models.Bom()
  bom.version = 1
  bom.serialNumber = options.serialNumber ?? `urn:uuid:${crypto.randomUUID()}`
  bom.metadata.timestamp = options.timestamp ?? new Date()
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, 'mima-scanner', {
      group: '@mima',
      version: VERSION,
      purl: npmPurl('@mima/scanner', VERSION),
    }),
  )
  bom.metadata.component = new Models.Component(
    Enums.ComponentType.Application,
    options.name ?? 'application',
    {
      bomRef: 'application',
      ...(options.version ? { version: options.version } : {}),
    },
  )
  bom.metadata.properties.add(property('mima:scan:files', String(result.filesScanned)))
  bom.metadata.properties.add(property('mima:scan:call-sites', String(result.findings.length)))
  bom.metadata.properties.add(property('mima:scan:coverage', result.coverage.toFixed(4)))

  for (const library of result.libraries) {
    const sites = result.findings.filter((finding) => finding.library === library.name)
    const component = new Models.Component(Enums.ComponentType.Library, library.package, {
      bomRef: `library:${library.package}`,
      ...(library.version ? { version: library.version } : {}),
      purl: npmPurl(library.package, library.version),
      description: `AI SDK (${library.name}) used at ${sites.length} call site(s)`,
    })
    for (const site of sites) {
      component.properties.add(
        property(
          'mima:call-site',
          `${site.file}:${site.line} ${site.operation} ${site.attested ? 'attested' : 'unattested'} ${site.confidence}`,
        ),
      )
    }
    bom.components.add(component)
  }

  for (const model of result.models) {
    bom.components.add(
      new Models.Component(Enums.ComponentType.MachineLearningModel, model, {
        bomRef: `model:${model}`,
        description: 'Model id named as a literal in the source',
      }),
    )
  }

  const servers = new Map<string, Models.Service>()
  for (const server of result.mcpServers) {
    let service = servers.get(server.target)
    if (!service) {
      service = new Models.Service(server.target, {
        bomRef: `mcp:${server.target}`,
        description: `MCP server (${server.transport} transport)`,
      })
      service.properties.add(property('mima:mcp:transport', server.transport))
      servers.set(server.target, service)
      bom.services.add(service)
    }
    service.properties.add(property('mima:call-site', `${server.file}:${server.line}`))
  }
  return bom
}

/** Serialises an AI BOM as CycloneDX 1.6 JSON. */
export function serializeAiBom(bom: Models.Bom): string {
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6))
  return serializer.serialize(bom, { sortLists: true, space: 2 })
}
