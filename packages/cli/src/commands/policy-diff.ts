/** One line of a diff. */
export interface DiffLine {
  readonly kind: 'same' | 'added' | 'removed'
  readonly text: string
}

/**
 * A line diff of two texts (longest common subsequence; policies are small). Lines of `before`
 * missing from `after` are `removed`, new ones `added`, in reading order.
 */
export function lineDiff(before: string, after: string): DiffLine[] {
  const left = before.replace(/\n$/, '').split('\n')
  const right = after.replace(/\n$/, '').split('\n')
  const rows = left.length + 1
  const columns = right.length + 1
  const lengths = new Uint32Array(rows * columns)
  for (let i = left.length - 1; i >= 0; i -= 1) {
    for (let j = right.length - 1; j >= 0; j -= 1) {
      lengths[i * columns + j] =
        left[i] === right[j]
          ? (lengths[(i + 1) * columns + j + 1] as number) + 1
          : Math.max(lengths[(i + 1) * columns + j] as number, lengths[i * columns + j + 1] as number)
    }
  }
  const lines: DiffLine[] = []
  let i = 0
  let j = 0
  while (i < left.length && j < right.length) {
    if (left[i] === right[j]) {
      lines.push({ kind: 'same', text: left[i] as string })
      i += 1
      j += 1
    } else if ((lengths[(i + 1) * columns + j] as number) >= (lengths[i * columns + j + 1] as number)) {
      lines.push({ kind: 'removed', text: left[i] as string })
      i += 1
    } else {
      lines.push({ kind: 'added', text: right[j] as string })
      j += 1
    }
  }
  for (; i < left.length; i += 1) lines.push({ kind: 'removed', text: left[i] as string })
  for (; j < right.length; j += 1) lines.push({ kind: 'added', text: right[j] as string })
  return lines
}
