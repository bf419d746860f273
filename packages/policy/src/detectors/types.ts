/**
 * One detected value: its kind, where it is (UTF-16 character offsets into the text, `end`
 * exclusive, so `text.slice(start, end)` is the value) and how sure the detector is (0–1).
 */
export interface Finding {
  readonly kind: string
  readonly start: number
  readonly end: number
  readonly confidence: number
}

/**
 * A detector you add to {@link detect}: a model-based one, a company-specific identifier, … It sees
 * the whole text and returns its findings; overlaps with the built-in findings are resolved by
 * confidence, then length. Return a promise only from detectors used with `detectAsync`.
 *
 * @example
 * ```ts
 * const employeeId: Detector = {
 *   kinds: ['employee_id'],
 *   detect: (text) => [...text.matchAll(/\bEMP-\d{6}\b/g)].map((m) => ({
 *     kind: 'employee_id', start: m.index, end: m.index + m[0].length, confidence: 0.9,
 *   })),
 * }
 * detect('ask EMP-123456', { detectors: [employeeId] })
 * ```
 */
export interface Detector {
  /** The kind names this detector can report (used by `kinds`/`exclude` filtering and the docs). */
  readonly kinds: readonly string[]
  detect(text: string): readonly Finding[] | Promise<readonly Finding[]>
}

/** Options for {@link detect}. Every field is optional; by default every built-in detector runs. */
export interface DetectOptions {
  /** Only report these kinds (built-in and custom). */
  readonly kinds?: readonly string[]
  /** Never report these kinds. */
  readonly exclude?: readonly string[]
  /** Drop findings below this confidence. Default 0.5; context words lift ambiguous values above it. */
  readonly minConfidence?: number
  /** Extra detectors (plug-ins) run after the built-in ones. */
  readonly detectors?: readonly Detector[]
  /**
   * Regions (ISO 3166 alpha-2) tried, in order, for phone numbers written without a `+` country
   * code. Default `['US', 'GB', 'DE', 'FR', 'IN', 'AU']`.
   */
  readonly phoneRegions?: readonly string[]
}
