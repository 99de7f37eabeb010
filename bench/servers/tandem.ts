/**
 * Tandem as a server under test, started the way an operator starts it: the CLI's `serve` (what
 * `npm start` runs), configured only through its settings in the environment, SQLite in
 * BENCH_DATA_DIR, durable before acknowledged; or, with BENCH_DATABASE_URL and BENCH_REDIS_URL
 * (bench:cluster), PostgreSQL storage and Redis fan-out, so several such processes form a cluster.
 *
 * BENCH_TANDEM_STORAGE=memory is for analysis only: the same settings, but `createServer()` with the
 * memory backend (no SQLite writer thread, no fsync, nothing survives the process). Run beside the
 * durable server it shows what durability costs and what the rest of Tandem costs against the
 * memory-only anchors (bench/RESULTS.md, "Where the floor is"). No operator can start this.
 */
import { once } from 'node:events'
import { createServer as createNetServer, connect } from 'node:net'
import { serveControl } from './child-control.js'

const dataDir = process.env.BENCH_DATA_DIR
if (!dataDir) throw new Error('BENCH_DATA_DIR is required')

/** A port the kernel just handed out, released again for the server to take. */
async function freePort(): Promise<number> {
  const probe = createNetServer().listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const address = probe.address()
  probe.close()
  await once(probe, 'close')
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

async function isListening(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1')
  try {
    await Promise.race([once(socket, 'connect'), once(socket, 'error').then(([error]) => Promise.reject(error))])
    return true
  } catch {
    return false
  } finally {
    socket.destroy()
  }
}

const port = await freePort()
const optional = (name: string, value: string | undefined) => (value ? { [name]: value } : {})
Object.assign(process.env, {
  HOST: '127.0.0.1',
  PORT: String(port),
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  ...optional('DATABASE_URL', process.env.BENCH_DATABASE_URL),
  ...optional('REDIS_URL', process.env.BENCH_REDIS_URL),
  // Every bench client comes from 127.0.0.1, so the per-address connection cap would refuse the
  // load itself; per-connection message and byte rates would throttle the closed loop of the
  // persistence scenario. The apply budget cuts off the seeding client of the large-document
  // scenario on a loaded 2-core machine. bench:comments posts every comment from one address.
  // The anchors enforce none of these; 0 turns each off, as an operator would for a load test.
  // Every other setting stays at its default.
  MAX_CONNECTIONS_PER_ADDRESS: '0',
  CONNECTION_ATTEMPTS_PER_SECOND: '0',
  MAX_MESSAGES_PER_SECOND: '0',
  MAX_BYTES_PER_SECOND: '0',
  APPLY_BUDGET_MS_PER_SECOND: '0',
  COMMENTS_PER_MINUTE: '0',
  // bench:presence-scale compares presence ticks (0 = every change relayed at once).
  ...optional('AWARENESS_TICK_MS', process.env.BENCH_AWARENESS_TICK_MS),
})
if (process.env.BENCH_TANDEM_STORAGE === 'memory') {
  const { resolveConfig, operatorLimits } = await import('../../server/config.js')
  const { createServer } = await import('../../server/create-server.js')
  const { createMemoryStorage } = await import('../../server/storage/memory/memory-storage.js')
  const { createLogger } = await import('../../server/logger.js')
  const config = resolveConfig({}, process.env)
  const server = await createServer({
    ...config,
    storage: createMemoryStorage(),
    logger: createLogger(config.logLevel),
    limits: operatorLimits(config),
  })
  await server.listen()
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)))
} else {
  process.argv = [process.argv[0] ?? 'node', 'tandem', 'serve']
  await import('../../server/cli.js')
}
while (!(await isListening(port))) await new Promise((resolve) => setTimeout(resolve, 20))
// The CLI stops gracefully on SIGTERM (commits, closes SQLite) and exits by itself.
serveControl(port, () => {
  process.kill(process.pid, 'SIGTERM')
  return new Promise<void>(() => undefined)
})
