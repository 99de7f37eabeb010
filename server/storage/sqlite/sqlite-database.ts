import { mkdirSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { migrateSqlite } from './sqlite-migrations.js'
import type { SqlRunResult, SqlStatement } from './sqlite-write-connection.js'
import { SqliteWriter } from './sqlite-writer.js'

export const SQLITE_FILE_NAME = 'tandem.db'

/** Every connection to the file, the main one and the writer's: durable commits, no SQLITE_BUSY. */
export const SQLITE_CONNECTION_PRAGMAS = ['journal_mode = WAL', 'synchronous = FULL', 'busy_timeout = 5000']

/**
 * The open SQLite file every SQLite store shares: one connection on the main thread that migrates
 * and then only reads, and the writer thread (sqlite-writer.ts) that commits every write, so fsync
 * never stalls the event loop. WAL with synchronous=FULL: a commit survives an OS crash, and group
 * commit keeps that affordable (one fsync per batch, not per keystroke).
 */
export class SqliteDatabase {
  private constructor(
    /** The file's path. */
    readonly file: string,
    /** The main thread's connection, for reads (prepare statements on it once). */
    readonly reader: Database.Database,
    /** Commits every write, in order, on its own thread and connection. */
    readonly writer: SqliteWriter,
  ) {}

  /** Opens (creating if needed) tandem.db in `dataDir` and migrates it; throws when it cannot. */
  static open(dataDir: string, now: () => number): SqliteDatabase {
    mkdirSync(dataDir, { recursive: true })
    const file = path.join(dataDir, SQLITE_FILE_NAME)
    const reader = new Database(file)
    try {
      for (const pragma of SQLITE_CONNECTION_PRAGMAS) reader.pragma(pragma)
      migrateSqlite(reader)
    } catch (error) {
      reader.close()
      throw error
    }
    // Started only once the schema is migrated: the writer's statements need the tables.
    return new SqliteDatabase(file, reader, new SqliteWriter(file, now, SQLITE_CONNECTION_PRAGMAS))
  }

  /** Runs write statements in one transaction on the writer thread (see SqliteWriter.run). */
  write(statements: readonly SqlStatement[]): Promise<SqlRunResult[]> {
    return this.writer.run(statements)
  }

  /** Online backup to `destination` (consistent while other processes keep writing). */
  async backup(destination: string, onProgress?: (copiedPages: number, totalPages: number) => void): Promise<void> {
    await this.reader.backup(destination, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages - remainingPages, totalPages)
        return 100
      },
    })
  }

  /** Stops the writer (after its last commit settled), checkpoints the WAL and closes the file. */
  async close(): Promise<void> {
    await this.writer.close()
    if (this.reader.open) {
      this.reader.pragma('wal_checkpoint(TRUNCATE)')
      this.reader.close()
    }
  }
}
