/**
 * Tandem as a server under test: SQLite in BENCH_DATA_DIR, durable before acknowledged; or, with
 * BENCH_DATABASE_URL and BENCH_REDIS_URL (bench:cluster), PostgreSQL storage and Redis fan-out,
 * so several such processes form a cluster.
 */
import { createServer } from '../../server/create-server.js'
import { serveControl } from './child-control.js'

const dataDir = process.env.BENCH_DATA_DIR
if (!dataDir) throw new Error('BENCH_DATA_DIR is required')
const server = await createServer({
  port: 0,
  host: '127.0.0.1',
  dataDir,
  databaseUrl: process.env.BENCH_DATABASE_URL || undefined,
  redisUrl: process.env.BENCH_REDIS_URL || undefined,
  logLevel: 'warn',
  // Every bench client comes from 127.0.0.1, so the per-address connection cap (a NAT-sized 50)
  // would refuse the load itself; per-connection message and byte rates would throttle the closed
  // loop of the persistence scenario. The apply budget (1 s burst) cuts off the seeding client of
  // the large-document scenario on a loaded 2-core machine, where applying the 260k-op trace takes
  // longer than that. The anchors enforce none of these. Every other limit stays default.
  limits: {
    maxConnectionsPerAddress: 1_000_000,
    maxMessagesPerSecond: 1_000_000,
    messageBurst: 1_000_000,
    maxBytesPerSecond: 1024 ** 3,
    applyBudgetBurstMs: 600_000,
    applyBudgetMsPerSecond: 600_000,
    // bench:comments posts every comment from 127.0.0.1, and without AUTH_SECRET the per-author
    // comment rate counts per address: the load itself would be refused (0 = off).
    commentsPerMinute: 0,
    // bench:presence-scale compares presence ticks (0 = every change relayed at once).
    ...(process.env.BENCH_AWARENESS_TICK_MS ? { awarenessTickMs: Number(process.env.BENCH_AWARENESS_TICK_MS) } : {}),
  },
})
const { port } = await server.listen()
serveControl(port, () => server.close())
