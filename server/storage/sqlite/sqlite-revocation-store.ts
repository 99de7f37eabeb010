import type { NewRevocation, Revocation, RevocationStore } from '../../auth/revocation-store.js'
import type { SqliteDatabase } from './sqlite-database.js'

/**
 * Revocations in the same SQLite file as the documents, so `tandem token revoke --data-dir` and the
 * running server share them. SQLite has one writer at a time, so ids become visible in order.
 */
export class SqliteRevocationStore implements RevocationStore {
  private readonly statements

  /** Reads on the main connection; writes on the writer thread, like the documents' own. */
  constructor(private readonly database: SqliteDatabase) {
    const db = database.reader
    this.statements = {
      listSince: db.prepare(
        `SELECT id, kind, subject, revoked_at AS revokedAt, expires_at AS expiresAt
         FROM revocations WHERE id > ? ORDER BY id`,
      ),
    }
  }

  async add(revocation: NewRevocation): Promise<Revocation> {
    const { kind, subject, revokedAt, expiresAt } = revocation
    const [inserted] = await this.database.write([
      {
        sql: 'INSERT INTO revocations (kind, subject, revoked_at, expires_at) VALUES (?, ?, ?, ?)',
        params: [kind, subject, revokedAt, expiresAt],
      },
    ])
    return { id: inserted!.lastInsertRowid, kind, subject, revokedAt, expiresAt }
  }

  async listSince(afterId: number): Promise<Revocation[]> {
    return this.statements.listSince.all(afterId) as Revocation[]
  }

  async prune(now: number): Promise<number> {
    const [pruned] = await this.database.write([
      { sql: 'DELETE FROM revocations WHERE expires_at IS NOT NULL AND expires_at < ?', params: [now] },
    ])
    return pruned!.changes
  }
}
