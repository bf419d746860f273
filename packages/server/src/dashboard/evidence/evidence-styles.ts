/**
 * Styles of the readiness, systems, reports and record pages, served at
 * `/dashboard/assets/evidence.css` (linked from those pages; hand-written, no build).
 */
export const EVIDENCE_CSS: string = `
.crumbs { font-size: 0.85rem; color: var(--muted); margin-bottom: 0.5rem; }
.crumbs a, .card p a, .card li a, .exports a { text-decoration: underline; }
.crumbs a { color: var(--accent); }
.page-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: 0.5rem 1rem; }
.table-wrap { overflow-x: auto; }
.status { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 999px; font-size: 0.78rem; font-weight: 650; white-space: nowrap; }
.status.compliant, .status.covered, .status.verified { background: var(--ok-soft); color: var(--ok); }
.status.partial, .status.inferred, .status.declared { background: var(--warn-soft); color: #7a4d00; }
.status.non_compliant, .status.uncovered, .status.failed { background: var(--bad-soft); color: var(--bad); }
.status.pending { background: var(--soft); color: var(--muted); }
.report-section, .report-chain, .report-caveat { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.25rem; margin-bottom: 1rem; }
.report-scope { background: var(--card); border: 1px solid var(--line); border-radius: 10px; margin-bottom: 1rem; }
.report-scope caption { text-align: left; font-weight: 650; padding: 0.6rem 0.6rem 0; }
.report dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 0.8rem; font-size: 0.88rem; }
.report dd { margin: 0; overflow-wrap: anywhere; }
.facts th { width: 40%; text-transform: none; letter-spacing: 0; font-size: 0.85rem; }
.exports { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.exports a { border: 1px solid var(--line); border-radius: 6px; padding: 0.3rem 0.7rem; background: #fff; }
pre.payload { background: var(--soft); border-radius: 6px; padding: 0.75rem; overflow: auto; max-height: 28rem; white-space: pre-wrap; word-break: break-word; font-size: 0.82rem; }
.proof { border-left: 4px solid var(--line); }
.proof[data-state="verified"] { border-left-color: var(--ok); }
.proof[data-state="failed"] { border-left-color: var(--bad); }
.proof .result { font-weight: 650; }
.proof[data-state="verified"] .result { color: var(--ok); }
.proof[data-state="failed"] .result { color: var(--bad); }
.fingerprint { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; letter-spacing: 0.04em; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart .axis { stroke: var(--line); }
svg.chart .grid-line { stroke: var(--line); stroke-dasharray: 2 3; }
svg.chart text { fill: var(--muted); font-size: 11px; }
svg.chart .series-0 { stroke: var(--accent); fill: none; stroke-width: 2; }
svg.chart .series-1 { stroke: var(--ok); fill: none; stroke-width: 2; }
svg.chart .series-2 { stroke: #9a6200; fill: none; stroke-width: 2; }
svg.chart .series-3 { stroke: #7048e8; fill: none; stroke-width: 2; }
svg.chart .series-4 { stroke: #c2255c; fill: none; stroke-width: 2; }
svg.chart rect.column { fill: var(--accent); }
svg.chart rect.column.alt { fill: var(--inferred); }
.chart-legend { display: flex; flex-wrap: wrap; gap: 0.3rem 1rem; font-size: 0.8rem; color: var(--muted); margin-top: 0.4rem; }
.chart-legend i { display: inline-block; width: 0.9rem; height: 0.2rem; vertical-align: middle; margin-right: 0.3rem; }
.chart-legend .series-0 { background: var(--accent); }
.chart-legend .series-1 { background: var(--ok); }
.chart-legend .series-2 { background: #9a6200; }
.chart-legend .series-3 { background: #7048e8; }
.chart-legend .series-4 { background: #c2255c; }
.chart-legend .column { background: var(--accent); height: 0.7rem; }
.chart-legend .column.alt { background: var(--inferred); }
.two-col { display: grid; gap: 1.25rem; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); }
@media print {
  header.top, form.filters, .exports, .pager, #flash { display: none !important; }
  body { background: #fff; }
  main { max-width: none; padding: 0; }
  .report-section { break-inside: avoid; }
}
`
