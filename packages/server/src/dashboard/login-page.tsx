import type { JSX } from 'hono/jsx/jsx-runtime'
import { Document, Notice } from './dashboard-layout'

/**
 * The sign-in page: a passkey (the browser's script runs the WebAuthn ceremony), email and
 * password, single sign-on when configured, or an approver or admin API key.
 */
export function LoginPage(props: {
  error?: string | undefined
  notice?: string | undefined
  /** The identity provider's name when single sign-on is configured. */
  sso?: string | undefined
}): JSX.Element {
  return (
    <Document title="Sign in">
      <main class="login">
        <div class="card">
          <h1>Mima dashboard</h1>
          {props.error === undefined ? null : <Notice kind="error">{props.error}</Notice>}
          {props.notice === undefined ? null : <Notice kind="info">{props.notice}</Notice>}
          <div id="passkey-error" role="alert" hidden></div>
          <button class="primary" type="button" id="passkey-sign-in" data-passkey-sign-in="">
            Sign in with a passkey
          </button>
          {props.sso === undefined ? null : (
            <p>
              <a href="/dashboard/sso/start" id="sso-sign-in">
                Sign in with {props.sso}
              </a>
            </p>
          )}
          <p class="or">or with a password</p>
          <form method="post" action="/dashboard/login/password" id="password-form">
            <label for="email">Email</label>
            <input id="email" name="email" type="email" autocomplete="username" maxlength={254} required />
            <label for="password">Password</label>
            <input
              id="password"
              name="password"
              type="password"
              autocomplete="current-password"
              maxlength={256}
              required
            />
            <button type="submit">Sign in</button>
          </form>
          <p class="or">or with an API key</p>
          <p class="muted small">
            An API key of role <strong>approver</strong> or <strong>admin</strong>. The key is checked once;
            the browser keeps only a session cookie.
          </p>
          <form method="post" action="/dashboard/login" id="api-key-form">
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

/** A page that moves on to `href` at once (a meta refresh, no script), with a link in case. */
export function ContinuePage(props: { href: string }): JSX.Element {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="refresh" content={`0;url=${props.href}`} />
        <title>Signed in · Mima</title>
        <link rel="stylesheet" href="/dashboard/assets/dashboard.css" />
      </head>
      <body>
        <main class="login">
          <div class="card">
            <p>
              Signed in. <a href={props.href}>Continue to the dashboard</a>
            </p>
          </div>
        </main>
      </body>
    </html>
  )
}
