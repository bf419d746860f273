/** The dashboard's whole stylesheet, served at `/dashboard/assets/dashboard.css` (hand-written, no build). */
export const DASHBOARD_CSS: string = `
:root {
  --ink: #1b1f24; --muted: #5b6470; --line: #dde1e6; --soft: #f4f6f8; --card: #fff;
  --accent: #3b5bdb; --accent-soft: #e7ecff; --ok: #1f7a4d; --ok-soft: #e3f4ea;
  --warn: #9a6200; --warn-soft: #fff3d6; --bad: #b42318; --bad-soft: #fde8e6; --inferred: #9db1f5;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--soft); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85em; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
h2 { font-size: 1.05rem; margin: 0 0 0.75rem; }
header.top { background: var(--ink); color: #fff; }
header.top .bar { display: flex; align-items: center; gap: 1.5rem; max-width: 72rem; margin: 0 auto; padding: 0.6rem 1.25rem; }
header.top .brand { font-weight: 700; letter-spacing: 0.02em; color: #fff; }
header.top nav { display: flex; gap: 0.25rem; flex: 1; flex-wrap: wrap; }
header.top nav a { color: #c9d1db; padding: 0.3rem 0.7rem; border-radius: 6px; }
header.top nav a:hover { color: #fff; background: #2c333b; text-decoration: none; }
header.top nav a[aria-current="page"] { color: #fff; background: #39424d; }
header.top .who { display: flex; align-items: center; gap: 0.75rem; font-size: 0.85rem; color: #c9d1db; }
header.top .who form { margin: 0; }
header.top .who button { background: transparent; color: #fff; border: 1px solid #5b6470; padding: 0.2rem 0.6rem; }
main { max-width: 72rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1.1rem 1.25rem; margin-bottom: 1.25rem; }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); margin-bottom: 1.25rem; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 0.9rem 1.1rem; }
.stat .value { font-size: 1.7rem; font-weight: 650; }
.stat .label { color: var(--muted); font-size: 0.85rem; }
.muted { color: var(--muted); }
.small { font-size: 0.85rem; }
table { width: 100%; border-collapse: collapse; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.5rem 0.6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.03em; }
td.wrap { word-break: break-word; }
time { white-space: nowrap; }
.badge { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 999px; font-size: 0.78rem; font-weight: 600; background: var(--soft); color: var(--muted); border: 1px solid var(--line); white-space: nowrap; }
.badge.ok { background: var(--ok-soft); color: var(--ok); border-color: transparent; }
.badge.warn { background: var(--warn-soft); color: var(--warn); border-color: transparent; }
.badge.bad { background: var(--bad-soft); color: var(--bad); border-color: transparent; }
.badge.info { background: var(--accent-soft); color: var(--accent); border-color: transparent; }
.chips { display: flex; flex-wrap: wrap; gap: 0.25rem; }
.readiness-row { display: grid; grid-template-columns: 15.5rem 1fr 8rem; gap: 1rem; align-items: center; padding: 0.45rem 0; }
.readiness-row .figures { text-align: right; font-variant-numeric: tabular-nums; }
.readiness-row.weakest .name { font-weight: 700; }
svg.bar { width: 100%; height: 12px; display: block; border-radius: 6px; background: var(--soft); }
svg.bar .attested { fill: var(--accent); }
svg.bar .inferred { fill: var(--inferred); }
.legend { display: flex; gap: 1rem; font-size: 0.8rem; color: var(--muted); }
.legend i { display: inline-block; width: 0.75rem; height: 0.75rem; border-radius: 3px; margin-right: 0.3rem; vertical-align: -1px; }
.legend .attested { background: var(--accent); }
.legend .inferred { background: var(--inferred); }
.overall { display: flex; align-items: baseline; gap: 0.75rem; }
.overall .value { font-size: 2.2rem; font-weight: 700; }
form.filters { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: flex-end; }
form.filters label { display: flex; flex-direction: column; font-size: 0.8rem; color: var(--muted); gap: 0.2rem; }
input, select, textarea { font: inherit; padding: 0.35rem 0.5rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--ink); }
textarea { width: 100%; min-height: 2.4rem; resize: vertical; }
button { font: inherit; cursor: pointer; padding: 0.4rem 0.9rem; border-radius: 6px; border: 1px solid var(--line); background: #fff; color: var(--ink); }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.approve { background: var(--ok); border-color: var(--ok); color: #fff; }
button.reject { background: #fff; border-color: var(--bad); color: var(--bad); }
button:disabled { opacity: 0.5; cursor: not-allowed; }
.pager { display: flex; justify-content: space-between; margin-top: 0.9rem; }
.notice { padding: 0.65rem 0.9rem; border-radius: 8px; margin-bottom: 1rem; }
.notice.error { background: var(--bad-soft); color: var(--bad); }
.notice.ok { background: var(--ok-soft); color: var(--ok); }
.notice.info { background: var(--accent-soft); color: var(--accent); }
.login { max-width: 26rem; margin: 12vh auto; }
.login label { display: block; font-weight: 600; margin-bottom: 0.35rem; }
.login input { width: 100%; margin-bottom: 0.9rem; }
.queue-head { display: flex; justify-content: space-between; align-items: center; margin-bottom: 0.75rem; }
.live { font-size: 0.8rem; color: var(--muted); }
.live::before { content: ""; display: inline-block; width: 0.55rem; height: 0.55rem; border-radius: 50%; background: var(--line); margin-right: 0.35rem; }
.live[data-state="live"]::before { background: var(--ok); }
.live[data-state="reconnecting"]::before { background: var(--warn); }
.approval { border: 1px solid var(--line); border-left: 4px solid var(--warn); border-radius: 8px; padding: 0.9rem 1rem; margin-bottom: 0.75rem; background: #fff; }
.approval .title { display: flex; justify-content: space-between; gap: 1rem; align-items: baseline; }
.approval .action { font-weight: 650; word-break: break-word; }
.approval dl { display: grid; grid-template-columns: 8rem 1fr; gap: 0.15rem 0.75rem; margin: 0.6rem 0; font-size: 0.88rem; }
.approval dt { color: var(--muted); }
.approval dd { margin: 0; word-break: break-word; }
.approval pre { background: var(--soft); border-radius: 6px; padding: 0.6rem; max-height: 14rem; overflow: auto; margin: 0.4rem 0 0.6rem; white-space: pre-wrap; word-break: break-word; }
.approval .actions { display: flex; gap: 0.5rem; margin-top: 0.5rem; }
.approval .error { color: var(--bad); font-size: 0.85rem; margin-top: 0.4rem; }
.kv { display: grid; grid-template-columns: 9rem 1fr; gap: 0.35rem 1rem; font-size: 0.9rem; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; word-break: break-all; }
.check { list-style: none; padding: 0; margin: 0.5rem 0 0; }
.check li { padding: 0.2rem 0; }
.check li::before { content: "✔"; color: var(--ok); margin-right: 0.5rem; }
.check li.fail::before { content: "✘"; color: var(--bad); }
header.top .who a { color: #fff; text-decoration: underline; }
.subnav { display: flex; flex-wrap: wrap; gap: 0.4rem; margin: -0.25rem 0 1rem; }
.subnav a { padding: 0.25rem 0.7rem; border-radius: 999px; border: 1px solid var(--line); background: #fff; }
.subnav a[aria-current="page"] { background: var(--accent-soft); border-color: transparent; font-weight: 600; }
form.inline { display: inline-flex; gap: 0.4rem; align-items: center; margin: 0; flex-wrap: wrap; }
form.stack { display: grid; gap: 0.6rem; max-width: 32rem; }
form.stack label { display: flex; flex-direction: column; gap: 0.2rem; font-size: 0.85rem; color: var(--muted); }
.secret { display: block; padding: 0.6rem; background: var(--soft); border-radius: 6px; word-break: break-all; user-select: all; }
.or { text-align: center; color: var(--muted); margin: 1rem 0; font-size: 0.85rem; }
@media (max-width: 40rem) {
  header.top .bar { flex-wrap: wrap; gap: 0.5rem; }
  .approval dl, .kv { grid-template-columns: 1fr; }
  table { display: block; overflow-x: auto; }
}
[hidden] { display: none !important; }
/* Phones: the header wraps, grids become one column, table rows stack instead of scrolling sideways. */
@media (max-width: 40rem) {
  header.top .bar { flex-wrap: wrap; gap: 0.5rem; padding: 0.5rem 0.75rem; }
  header.top nav { order: 3; width: 100%; }
  header.top .who { flex-wrap: wrap; }
  main { padding: 1rem 0.75rem 2rem; }
  .readiness-row { grid-template-columns: 1fr; gap: 0.3rem; }
  .readiness-row .figures { text-align: left; }
  .kv, .approval dl { grid-template-columns: 1fr; }
  table, thead, tbody, tr, th, td { display: block; }
  thead tr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  tr { border-bottom: 1px solid var(--line); padding: 0.4rem 0; }
  th, td { border-bottom: none; padding: 0.15rem 0.35rem; overflow-wrap: anywhere; }
  form.filters > * { flex: 1 1 100%; }
}
`
