type CallSiteFrame = {
  getFileName(): string | null | undefined
  getLineNumber(): number | null
  getColumnNumber(): number | null
}

/** A captured, not yet formatted stack (V8 keeps the raw frames until `.stack` is first read). */
export interface RawStack {
  stack?: unknown
}

type ErrorWithHooks = ErrorConstructor & { prepareStackTrace?: unknown; stackTraceLimit: number }

const structuredFrames = (_error: Error, frames: CallSiteFrame[]): CallSiteFrame[] => frames

/**
 * Frames kept above the patched method. The caller is almost always frame 0 (a direct call) or
 * frame 1 (an SDK helper such as `parse()`); stream helpers record their site separately.
 * Capturing costs roughly a microsecond per frame, so only those two are kept (report mode pays
 * for this on every unattested call).
 */
const FRAMES_KEPT = 2

/** Captures the raw frames above `below`, cheaply: nothing is formatted yet. */
export function captureRawStack(below: Function, frames: number = FRAMES_KEPT): RawStack {
  const errorConstructor = Error as ErrorWithHooks
  const previousLimit = errorConstructor.stackTraceLimit
  const holder: RawStack = {}
  try {
    errorConstructor.stackTraceLimit = frames
    Error.captureStackTrace(holder, below)
  } catch {
    // no stack, no call site
  } finally {
    errorConstructor.stackTraceLimit = previousLimit
  }
  return holder
}

const paths = new Map<string, string>()

/** `file:///a%20b.mjs` → `/a b.mjs`, remembered (a process has few caller files). */
function pathOfUrl(url: string): string {
  let path = paths.get(url)
  if (path === undefined) {
    if (paths.size >= 1000) paths.clear()
    path = decodeURIComponent(url.slice(7))
    paths.set(url, path)
  }
  return path
}

/**
 * The first frame of `raw` whose file is not skipped, as `file:line:column` (relative to `cwd`
 * when inside it), read from V8's structured frames so no stack string is built.
 */
export function resolveCallSite(
  raw: RawStack,
  skip: (file: string) => boolean,
  cwd: string,
): string | undefined {
  const errorConstructor = Error as ErrorWithHooks
  const previousPrepare = errorConstructor.prepareStackTrace
  let frames: unknown
  try {
    errorConstructor.prepareStackTrace = structuredFrames
    frames = raw.stack
  } catch {
    return undefined
  } finally {
    errorConstructor.prepareStackTrace = previousPrepare
  }
  if (!Array.isArray(frames)) return undefined
  for (const frame of frames as CallSiteFrame[]) {
    let file = frame.getFileName()
    if (!file || file.startsWith('node:')) continue
    if (file.startsWith('file://')) file = pathOfUrl(file)
    if (skip(file)) continue
    if (file.startsWith(cwd)) file = file.slice(cwd.length)
    return `${file}:${frame.getLineNumber() ?? 0}:${frame.getColumnNumber() ?? 0}`
  }
  return undefined
}

/** {@link captureRawStack} and {@link resolveCallSite} at once. */
export function captureCallSite(
  below: Function,
  skip: (file: string) => boolean,
  cwd: string,
): string | undefined {
  return resolveCallSite(captureRawStack(below), skip, cwd)
}
