/**
 * What several Tandem instances share in bench:cluster: a fresh PostgreSQL database and a
 * redis-server of the bench's own per run (never the machine's shared Redis: its other users'
 * traffic would be in our fan-out path). Everything started here is registered for cleanup, so an
 * interrupted bench (Ctrl-C) leaves no database or redis-server behind.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { TestRedis } from '../../test/cluster/helpers/redis-server.js'

/** The machine's PostgreSQL (trust auth), as the cluster tests use it. */
const ADMIN_URL = process.env.TANDEM_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
/** Prefix of every database this bench creates, so a leftover is recognisable. */
export const DATABASE_PREFIX = 'tandem_bench_'

const cleanups = new Set<() => Promise<void>>()
const redisServers = new Set<TestRedis>()
let isExitHookInstalled = false

function installExitHooks(): void {
  if (isExitHookInstalled) return
  isExitHookInstalled = true
  // 'exit' handlers must be synchronous: kill what we spawned; databases need the signal path below.
  process.on('exit', () => {
    for (const redis of redisServers) if (redis.pid !== undefined) process.kill(redis.pid, 'SIGKILL')
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: cleaning up bench databases and redis-server processes\n`)
      void Promise.allSettled([...cleanups].map((cleanup) => cleanup())).finally(() => process.exit(130))
    })
  }
}

export interface BenchDatabase {
  url: string
  /** Drops the database, disconnecting whoever is still connected. Idempotent. */
  drop(): Promise<void>
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  installExitHooks()
  const name = `${DATABASE_PREFIX}${randomBytes(6).toString('hex')}`
  await admin((client) => client.query(`CREATE DATABASE ${name}`))
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  let isDropped = false
  const drop = async (): Promise<void> => {
    if (isDropped) return
    isDropped = true
    cleanups.delete(drop)
    await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  }
  cleanups.add(drop)
  return { url: url.toString(), drop }
}

export interface BenchRedis {
  url: string
  stop(): Promise<void>
}

/** A redis-server on a free port, no persistence (pub/sub only needs none). */
export async function startBenchRedis(): Promise<BenchRedis> {
  installExitHooks()
  const redis = await TestRedis.start()
  redisServers.add(redis)
  const stop = async (): Promise<void> => {
    cleanups.delete(stop)
    redisServers.delete(redis)
    await redis.stop()
  }
  cleanups.add(stop)
  return { url: redis.url, stop }
}
