export { analyzeSource, type FileAnalysis } from './analysis/analyze-file'
export type { Confidence, McpServerReference, RawFinding } from './analysis/finding'
export { type AiBomOptions, buildAiBom, serializeAiBom } from './bom/build-ai-bom'
export { type Operation, SDK_LIBRARIES, type SdkLibrary } from './catalog/sdk-catalog'
export {
  DEFAULT_EXCLUDED_DIRECTORIES,
  DEFAULT_EXCLUDED_FILES,
  SOURCE_EXTENSIONS,
  type WalkOptions,
  walkSourceFiles,
} from './files/walk-files'
export { findMcpConfigServers, type McpConfigServer } from './mcp/find-mcp-config-servers'
export {
  joinRuntime,
  type RuntimeEvent,
  type RuntimeJoin,
  type RuntimeSite,
  readGuardLog,
} from './runtime/join-runtime'
export { type AssertAttestedOptions, assertAttested } from './scan/assert-attested'
export {
  type ScanFinding,
  type ScannedLibrary,
  type ScannedMcpServer,
  type ScanOptions,
  type ScanProblem,
  type ScanResult,
  scan,
} from './scan/scan'
export { VERSION } from './version'
