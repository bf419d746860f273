import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, realpath, stat, symlink } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createHome, MIMA_BIN, runMima } from './run-mima'

function waitForOutput(child: ChildProcess, pattern: RegExp, read: () => string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const match = pattern.exec(read())
      if (match) {
        clearInterval(timer)
        resolve(match)
      }
    }
    const timer = setInterval(check, 50)
    child.once('close', (code) => {
      clearInterval(timer)
      reject(new Error(`exited (${code}) before printing ${pattern}: ${read()}`))
    })
  })
}

describe('mima serve', () => {
  it('starts the server on an embedded database, which the CLI then logs in to; Ctrl-C stops it (exit 0)', {
    // A first PGlite start (initdb) takes about a minute on a busy 2-core machine, then three more
    // processes run against it.
    timeout: 300_000,
  }, async () => {
    const home = await createHome()
    const adminKey = `mima_serve_test_${Date.now()}_key`
    const child = spawn(
      process.execPath,
      [MIMA_BIN, 'serve', '--port', '0', '--data-dir', join(home, 'data')],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: home,
          MIMA_BOOTSTRAP_API_KEY: adminKey,
          MIMA_LOG_LEVEL: 'warn',
        },
      },
    )
    let stderr = ''
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    child.stdout?.resume()
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    try {
      const [, url] = await waitForOutput(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/, () => stderr)
      expect(stderr).toContain(`mima login --url ${url}`)
      const login = await runMima(['login', '--url', url!, '--api-key', adminKey], { home })
      expect(login.code, login.stderr).toBe(0)
      const push = await runMima(
        [
          'push',
          'model_evaluation',
          '--model-id',
          'm1',
          '--dataset',
          'golden',
          '--accuracy',
          '0.91',
          '--evaluated-by',
          'qa@example.com',
        ],
        { home },
      )
      expect(push.code, push.stderr).toBe(0)
      const status = await runMima(['status'], { home })
      expect(status.code).toBe(0)
      expect(status.stdout).toContain('ISO 42001')

      // A second server on the same PGlite directory is refused before it opens it: one line, exit 2.
      const second = await runMima(['serve', '--port', '0', '--data-dir', join(home, 'data')], { home })
      expect(second.code).toBe(2)
      expect(second.stderr).toContain(
        `is in use by another Mima server (pid ${child.pid}, listening on ${url}`,
      )
      expect(second.stderr).not.toMatch(/this is a bug|\n\s+at /)
      // A busy port: one line, exit 2, and the other directory is never opened.
      const port = new URL(url!).port
      const busy = await runMima(['serve', '--port', port, '--data-dir', join(home, 'other')], { home })
      expect(busy.code).toBe(2)
      expect(busy.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`)
      expect(busy.stderr).not.toMatch(/this is a bug|\n\s+at /)
      expect(existsSync(join(home, 'other', 'PG_VERSION'))).toBe(false)
    } finally {
      child.kill('SIGINT')
    }
    expect(await exited).toBe(0)
    expect(stderr).toContain('shutting down')
    // The data files follow the umask (PGlite writes them 0666), in a directory only we can enter.
    const umask = process.umask()
    expect((await stat(join(home, 'data', 'PG_VERSION'))).mode & 0o777).toBe(0o666 & ~umask)
    expect((await stat(join(home, 'data'))).mode & 0o777).toBe(0o700)
    expect(existsSync(join(home, 'data', 'mima-server.lock'))).toBe(false)
  })

  it('says how to install @mima/server when it is missing (exit 2)', async () => {
    // The CLI as installed alone: its dist with @mima/core and picocolors, without @mima/server.
    const root = await createHome()
    const cliDirectory = join(root, 'node_modules', '@mima', 'cli')
    await mkdir(cliDirectory, { recursive: true })
    await cp(join(import.meta.dirname, '..', 'dist'), join(cliDirectory, 'dist'), { recursive: true })
    await cp(join(import.meta.dirname, '..', 'package.json'), join(cliDirectory, 'package.json'))
    const require = createRequire(join(import.meta.dirname, '..', 'package.json'))
    const packageRoot = async (name: string): Promise<string> =>
      realpath(join(require.resolve(`${name}/package.json`), '..'))
    await symlink(await packageRoot('@mima/core'), join(root, 'node_modules', '@mima', 'core'))
    await symlink(await packageRoot('picocolors'), join(root, 'node_modules', 'picocolors'))
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(cliDirectory, 'dist', 'bin.js'), 'serve'], {
        env: { PATH: process.env.PATH ?? '', HOME: root },
      })
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk
      })
      child.on('close', (code) => resolve({ code, stderr }))
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('needs the @mima/server package, which is not installed')
    expect(result.stderr).toContain('npm install -g @mima/server')
  })
})
