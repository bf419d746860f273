import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import type { Browser } from 'playwright-core'
import { httpError } from '../http/errors'

const KNOWN_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/opt/homebrew/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
]
const COMMAND_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome']

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The Chromium the server prints PDFs with: `MIMA_CHROMIUM_PATH` when set (and executable), else
 * the usual places on Linux and macOS, else the PATH (the same search as `scripts/find-chromium.mjs`).
 */
export function findChromiumExecutable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.MIMA_CHROMIUM_PATH?.trim()
  if (configured) return isExecutable(configured) ? configured : undefined
  for (const path of KNOWN_PATHS) if (isExecutable(path)) return path
  for (const directory of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of COMMAND_NAMES) {
      const path = join(directory, name)
      if (isExecutable(path)) return path
    }
  }
  return undefined
}

/** Turns a printable HTML page into PDF bytes. */
export interface PdfRenderer {
  render(html: string): Promise<Uint8Array<ArrayBuffer>>
  close(): Promise<void>
}

/** What {@link createPdfRenderer} needs. */
export interface PdfRendererOptions {
  /** Finds the Chromium executable ({@link findChromiumExecutable} by default). */
  findExecutable?: () => string | undefined
}

const unavailable = (why: string) =>
  httpError(
    'conflict',
    `PDF export is not available on this server: ${why} Install Chromium (Debian/Ubuntu: apt-get install -y chromium) or set MIMA_CHROMIUM_PATH; the JSON, Markdown and HTML exports work without it.`,
    { reason: 'pdf_renderer_unavailable', formats_available: ['json', 'markdown', 'html'] },
  )

/**
 * A PDF renderer on Chromium's print-to-PDF (through `playwright-core`). The browser starts on
 * the first PDF and is shared; each page renders in a fresh context with JavaScript off and
 * every network request refused, so the report's HTML can only lay itself out.
 * Without a Chromium, `render` throws a 409 `conflict` saying how to get one: never an empty file.
 */
export function createPdfRenderer(options: PdfRendererOptions = {}): PdfRenderer {
  let browser: Promise<Browser> | undefined
  let closed = false
  const launch = async (): Promise<Browser> => {
    const executablePath = (options.findExecutable ?? findChromiumExecutable)()
    if (executablePath === undefined) throw unavailable('no Chromium or Chrome was found.')
    const { chromium } = await import('playwright-core')
    const launched = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-extensions', '--no-first-run'],
    })
    launched.on('disconnected', () => {
      browser = undefined
    })
    return launched
  }
  return {
    async render(html) {
      if (closed) throw unavailable('the server is shutting down.')
      if (browser === undefined) {
        browser = launch()
        browser.catch(() => {
          browser = undefined
        })
      }
      let instance: Browser
      try {
        instance = await browser
      } catch (error) {
        if ((error as { status?: number }).status === 409) throw error
        throw unavailable(`Chromium did not start (${(error as Error).message.split('\n')[0]}).`)
      }
      const context = await instance.newContext({ javaScriptEnabled: false, offline: true })
      try {
        await context.route('**/*', (route) => route.abort())
        const page = await context.newPage()
        await page.setContent(html, { waitUntil: 'load' })
        const pdf = await page.pdf({
          format: 'A4',
          printBackground: true,
          displayHeaderFooter: true,
          headerTemplate: '<span></span>',
          footerTemplate:
            '<div style="font-size:8px;width:100%;text-align:center;color:#555"><span class="pageNumber"></span> / <span class="totalPages"></span></div>',
          margin: { top: '14mm', bottom: '16mm', left: '12mm', right: '12mm' },
        })
        if (pdf.length < 5 || pdf.subarray(0, 5).toString('latin1') !== '%PDF-') {
          throw new Error('Chromium returned something that is not a PDF.')
        }
        return new Uint8Array(pdf)
      } finally {
        await context.close().catch(() => {})
      }
    },
    async close() {
      closed = true
      const current = browser
      browser = undefined
      if (current !== undefined) await (await current.catch(() => undefined))?.close().catch(() => {})
    },
  }
}
