import type { JSX } from 'hono/jsx/jsx-runtime'
import { Document, Notice } from './dashboard-layout'

/** The sign-in page: one field for an approver or admin API key. */
export function LoginPage(props: { error?: string | undefined; notice?: string | undefined }): JSX.Element {
  return (
    <Document title="Sign in">
      <main class="login">
        <div class="card">
          <h1>Mima dashboard</h1>
          <p class="muted small">
            Sign in with an API key of role <strong>approver</strong> or <strong>admin</strong>. The key is
            checked once; the browser keeps only a session cookie.
          </p>
          {props.error === undefined ? null : <Notice kind="error">{props.error}</Notice>}
          {props.notice === undefined ? null : <Notice kind="info">{props.notice}</Notice>}
          <form method="post" action="/dashboard/login">
            <label for="api_key">API key</label>
            <input
              id="api_key"
              name="api_key"
              type="password"
              autocomplete="off"
              required
              placeholder="mima_…"
            />
            <button class="primary" type="submit">
              Sign in
            </button>
          </form>
        </div>
      </main>
    </Document>
  )
}
