// The server under load, in its own process so its memory is measured alone: started on a free
// port, it sends { url, adminKey, workspaceId } to the parent, then its memory every 250 ms.
import { randomBytes } from 'node:crypto'
import { silentLogger, startServer } from '@mima/server'

const adminKey = `mima_bench_${randomBytes(16).toString('hex')}`
const databaseUrl = process.env.MIMA_BENCH_SERVER_DATABASE_URL || undefined
const server = await startServer({
  port: 0,
  logger: silentLogger,
  bootstrapApiKey: adminKey,
  onBootstrap: () => {},
  ...(databaseUrl === undefined
    ? { dataDir: process.env.MIMA_BENCH_DATA_DIR }
    : { databaseUrl, databaseSchema: process.env.MIMA_BENCH_SCHEMA }),
})
const sample = () => {
  const { rss, heapUsed } = process.memoryUsage()
  process.send?.({ type: 'memory', at: Date.now(), rss, heapUsed })
}
process.send?.({ type: 'ready', url: server.url, adminKey, workspaceId: server.bootstrap?.workspaceId })
const timer = setInterval(sample, 250)
process.on('message', async (message) => {
  if (message === 'stop') {
    clearInterval(timer)
    sample()
    await server.close()
    process.exit(0)
  }
})
