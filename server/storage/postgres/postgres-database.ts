import pg from 'pg'
import type { Logger } from '../../logger.js'
import { migratePostgres } from './postgres-migrations.js'

export interface PostgresSettings {
  /** postgres://user:password@host:port/database */
  connectionString: string
  /** Pool size per instance; commits use one connection at a time, loads and the REST API the rest. */
  maxConnections?: number
  /** Where connection errors of idle pooled clients are reported. */
  log?: Logger
  /** The clock for timestamps the stores write; Date.now unless a test needs another. */
  now?: () => number
}

/** Pool size when the settings name none. */
const DEFAULT_MAX_CONNECTIONS = 10
/** Fail fast while the database is down: a pending append must fail (and not be acked), not hang. */
const CONNECTION_TIMEOUT_MS = 5_000

/**
 * The connection pool every PostgreSQL store shares, with the one transaction helper they all use.
 * Every session commits synchronously (synchronous_commit forced on, whatever the server default):
 * acknowledged means on disk.
 */
export class PostgresDatabase {
  private constructor(
    /** For single statements; `transaction` for several that must commit together. */
    readonly pool: pg.Pool,
  ) {}

  /** Connects and runs pending migrations; fails (rather than starting) when the database is unusable. */
  static async open(settings: PostgresSettings): Promise<PostgresDatabase> {
    const pool = new pg.Pool({
      connectionString: settings.connectionString,
      max: settings.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
      application_name: 'tandem',
      // Per session, not as a startup parameter: poolers such as PgBouncer refuse unknown startup
      // parameters. Awaited before the pool hands the client out (a 'connect' listener would queue
      // it beside the caller's first query, which pg deprecates).
      onConnect: async (client: pg.ClientBase) => {
        await client.query('SET synchronous_commit = on')
      },
    })
    // An idle pooled client whose connection dies emits here; without a listener the process exits.
    pool.on('error', (error) => settings.log?.warn({ err: error }, 'postgres connection lost'))
    const database = new PostgresDatabase(pool)
    try {
      const client = await database.checkOut()
      try {
        await migratePostgres(client, settings.now ?? Date.now)
      } finally {
        database.checkIn(client)
      }
    } catch (error) {
      await pool.end().catch(() => undefined)
      throw error
    }
    return database
  }

  /**
   * Runs `work` in one transaction on a checked-out connection: COMMIT after it, ROLLBACK on a throw
   * (or when it returns false); a connection that cannot even roll back is not reused.
   */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.checkOut()
    let isBroken = false
    try {
      await client.query('BEGIN')
      const result = await work(client)
      // A `false` from compaction means "changed nothing": roll its partial deletes back.
      await client.query(result === false ? 'ROLLBACK' : 'COMMIT')
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        // The connection itself is gone; the pool must not hand it out again.
        isBroken = true
      })
      throw error
    } finally {
      this.checkIn(client, isBroken)
    }
  }

  /** Closes every connection; call after the stores' last writes settled. */
  async close(): Promise<void> {
    await this.pool.end()
  }

  /**
   * The pool listens for errors only on idle clients. A checked-out client whose connection dies
   * between two queries emits 'error' with nobody listening, which would crash the process; the
   * failure reaches the caller anyway through the next query's rejection.
   */
  private async checkOut(): Promise<pg.PoolClient> {
    const client = await this.pool.connect()
    client.on('error', ignoreCheckedOutError)
    return client
  }

  private checkIn(client: pg.PoolClient, isBroken = false): void {
    client.removeListener('error', ignoreCheckedOutError)
    client.release(isBroken)
  }
}

function ignoreCheckedOutError(): void {
  // See PostgresDatabase.checkOut: the next query on this client rejects with the same failure.
}
