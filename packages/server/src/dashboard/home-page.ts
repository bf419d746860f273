const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** HTML-escapes text for element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character)
}

/** The minimal page `GET /` serves until the dashboard lands. */
export function renderHomePage(options: { version: string }): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Mima server</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Mima server</h1>
<p>Version ${escapeHtml(options.version)}. The API lives under <code>/api</code>.</p>
<ul>
<li><a href="/api/health">/api/health</a></li>
<li><a href="/api/ledger/public-key">/api/ledger/public-key</a> (the key that signs tree heads)</li>
</ul>
</body>
</html>
`
}
