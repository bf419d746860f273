/**
 * Charts as server-rendered SVG: no client framework, no inline style (the CSP forbids it; colours
 * come from `evidence.css` classes). Each chart is an `img` with a label, and its figures are in
 * `<title>` tooltips for the curious.
 */
import type { JSX } from 'hono/jsx/jsx-runtime'

const WIDTH = 720
const HEIGHT = 200
const LEFT = 40
const BOTTOM = 24
const TOP = 10

/** One line of a {@link LineChart}. */
export interface LineSeries {
  label: string
  /** One value per x label; null leaves a gap. */
  values: readonly (number | null)[]
}

function yTicks(max: number): number[] {
  if (max <= 0) return [0]
  // The smallest of 1, 2, 5, 10, 20, 50, … that draws at most five steps.
  let step = 1
  for (let magnitude = 1; ; magnitude *= 10) {
    const found = [1, 2, 5].map((factor) => factor * magnitude).find((candidate) => max / candidate <= 5)
    if (found !== undefined) {
      step = found
      break
    }
  }
  const ticks: number[] = []
  for (let value = 0; value <= max; value += step) ticks.push(value)
  return ticks
}

function Axes(props: { max: number; labels: readonly string[]; unit?: string | undefined }): JSX.Element {
  const plotHeight = HEIGHT - BOTTOM - TOP
  const step = props.labels.length > 1 ? (WIDTH - LEFT - 10) / (props.labels.length - 1) : 0
  const every = Math.max(1, Math.ceil(props.labels.length / 6))
  return (
    <g>
      {yTicks(props.max).map((tick) => {
        const y = TOP + plotHeight - (props.max === 0 ? 0 : (tick / props.max) * plotHeight)
        return (
          <g>
            <line class="grid-line" x1={LEFT} x2={WIDTH - 10} y1={y} y2={y} />
            <text x={LEFT - 6} y={y + 4} text-anchor="end">
              {`${tick}${props.unit ?? ''}`}
            </text>
          </g>
        )
      })}
      <line class="axis" x1={LEFT} x2={WIDTH - 10} y1={TOP + plotHeight} y2={TOP + plotHeight} />
      {props.labels.map((label, index) =>
        index % every === 0 || index === props.labels.length - 1 ? (
          <text x={LEFT + index * step} y={HEIGHT - 6} text-anchor="middle">
            {label}
          </text>
        ) : null,
      )}
    </g>
  )
}

/** Lines over shared x labels (readiness over time). `max` fixes the y scale (100 for percentages). */
export function LineChart(props: {
  id: string
  label: string
  labels: readonly string[]
  series: readonly LineSeries[]
  max?: number
  unit?: string
}): JSX.Element {
  const max =
    props.max ?? Math.max(1, ...props.series.flatMap((series) => series.values.map((value) => value ?? 0)))
  const plotHeight = HEIGHT - BOTTOM - TOP
  const step = props.labels.length > 1 ? (WIDTH - LEFT - 10) / (props.labels.length - 1) : 0
  const point = (value: number, index: number): string =>
    `${(LEFT + index * step).toFixed(1)},${(TOP + plotHeight - (value / max) * plotHeight).toFixed(1)}`
  return (
    <figure class="chart-figure">
      <svg id={props.id} class="chart" role="img" aria-label={props.label} viewBox={`0 0 ${WIDTH} ${HEIGHT}`}>
        <Axes max={max} labels={props.labels} unit={props.unit} />
        {props.series.map((series, index) => (
          <polyline
            class={`series-${index % 5}`}
            data-series={series.label}
            points={series.values
              .map((value, position) => (value === null ? null : point(value, position)))
              .filter((item) => item !== null)
              .join(' ')}
          >
            <title>{`${series.label}: ${series.values.filter((value) => value !== null).at(-1) ?? '—'}${props.unit ?? ''} now`}</title>
          </polyline>
        ))}
      </svg>
      <figcaption class="chart-legend">
        {props.series.map((series, index) => (
          <span>
            <i class={`series-${index % 5}`}></i>
            {series.label}
          </span>
        ))}
      </figcaption>
    </figure>
  )
}

/** Columns over x labels (counts per day); an optional second series stacks on top. */
export function ColumnChart(props: {
  id: string
  label: string
  labels: readonly string[]
  values: readonly number[]
  valueLabel: string
  stacked?: { label: string; values: readonly number[] }
}): JSX.Element {
  const totals = props.values.map((value, index) => value + (props.stacked?.values[index] ?? 0))
  const max = Math.max(1, ...totals)
  const plotHeight = HEIGHT - BOTTOM - TOP
  const slot = (WIDTH - LEFT - 10) / Math.max(1, props.labels.length)
  const width = Math.max(2, slot - 3)
  const height = (value: number): number => (value / max) * plotHeight
  return (
    <figure class="chart-figure">
      <svg id={props.id} class="chart" role="img" aria-label={props.label} viewBox={`0 0 ${WIDTH} ${HEIGHT}`}>
        <Axes max={max} labels={[]} />
        {props.labels.map((label, index) => {
          const value = props.values[index] ?? 0
          const extra = props.stacked?.values[index] ?? 0
          const x = LEFT + index * slot + 1.5
          const base = TOP + plotHeight
          return (
            <g data-key={label} data-value={String(value)}>
              <title>{`${label}: ${value} ${props.valueLabel}${props.stacked === undefined ? '' : `, ${extra} ${props.stacked.label}`}`}</title>
              <rect class="column" x={x} y={base - height(value)} width={width} height={height(value)} />
              {props.stacked === undefined ? null : (
                <rect
                  class="column alt"
                  x={x}
                  y={base - height(value) - height(extra)}
                  width={width}
                  height={height(extra)}
                />
              )}
            </g>
          )
        })}
        {props.labels.map((label, index) =>
          index === 0 ||
          index === props.labels.length - 1 ||
          index % Math.max(1, Math.ceil(props.labels.length / 6)) === 0 ? (
            <text x={LEFT + index * slot + slot / 2} y={HEIGHT - 6} text-anchor="middle">
              {label}
            </text>
          ) : null,
        )}
      </svg>
      <figcaption class="chart-legend">
        <span>
          <i class="column"></i>
          {props.valueLabel}
        </span>
        {props.stacked === undefined ? null : (
          <span>
            <i class="column alt"></i>
            {props.stacked.label}
          </span>
        )}
      </figcaption>
    </figure>
  )
}
