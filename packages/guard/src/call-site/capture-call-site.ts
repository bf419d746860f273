type CallSiteFrame = {
  getFileName(): string | null | undefined
  getLineNumber(): number | null
  getColumnNumber(): number | null
}

const structuredFrames = (_error: Error, frames: CallSiteFrame[]): CallSiteFrame[] => frames

/**
 * The first stack frame above `below` whose file is not skipped, as `file:line:column`
 * (relative to the working directory when inside it). Reads V8's structured frames, so no
 * stack string is formatted; costs a few microseconds.
 */
export function captureCallSite(
  below: Function,
  skip: (file: string) => boolean,
  cwd: string,
): string | undefined {
  const errorConstructor = Error as ErrorConstructor & {
    prepareStackTrace?: unknown
    stackTraceLimit: number
  }
  const previousPrepare = errorConstructor.prepareStackTrace
  const previousLimit = errorConstructor.stackTraceLimit
  const holder: { stack?: CallSiteFrame[] } = {}
  try {
    errorConstructor.prepareStackTrace = structuredFrames
    errorConstructor.stackTraceLimit = 24
    Error.captureStackTrace(holder, below)
    const frames = holder.stack
    if (!Array.isArray(frames)) return undefined
    for (const frame of frames) {
      let file = frame.getFileName()
      if (!file || file.startsWith('node:')) continue
      if (file.startsWith('file://')) file = decodeURIComponent(file.slice(7))
      if (skip(file)) continue
      if (file.startsWith(cwd)) file = file.slice(cwd.length)
      return `${file}:${frame.getLineNumber() ?? 0}:${frame.getColumnNumber() ?? 0}`
    }
    return undefined
  } catch {
    return undefined
  } finally {
    errorConstructor.prepareStackTrace = previousPrepare
    errorConstructor.stackTraceLimit = previousLimit
  }
}
