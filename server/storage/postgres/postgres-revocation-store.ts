import type { NewRevocation, Revocation, RevocationStore } from '../../auth/revocation-store.js'
import type { PostgresDatabase } from './postgres-database.js'

/**
 * Revocations in the same PostgreSQL database as the documents, so every instance (and `tandem token
 * revoke --database-url`) shares one list.
 */
export class PostgresRevocationStore implements RevocationStore {
  constructor(private readonly database: PostgresDatabase) {}

  async add(revocation: NewRevocation): Promise<Revocation> {
    const { kind, subject, revokedAt, expiresAt } = revocation
    return this.database.transaction(async (client) => {
      // Identity values are taken at insert but become visible at commit, so two concurrent revocations
      // could appear out of id order and a poller past the larger id would miss the smaller. The lock
      // (which readers ignore) makes revocations commit one at a time, in id order. They are rare.
      await client.query('LOCK TABLE revocations IN EXCLUSIVE MODE')
      const { rows } = await client.query<{ id: string }>(
        'INSERT INTO revocations (kind, subject, revoked_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id',
        [kind, subject, revokedAt, expiresAt],
      )
      return { id: Number(rows[0]!.id), kind, subject, revokedAt, expiresAt }
    })
  }

  async listSince(afterId: number): Promise<Revocation[]> {
    // BIGINT as float8, which node-postgres returns as numbers (BIGINT comes back as strings).
    const { rows } = await this.database.pool.query<Revocation>(
      `SELECT id::float8 AS id, kind, subject, revoked_at::float8 AS "revokedAt", expires_at::float8 AS "expiresAt"
       FROM revocations WHERE id > $1 ORDER BY id`,
      [afterId],
    )
    return rows
  }

  async prune(now: number): Promise<number> {
    const result = await this.database.pool.query(
      'DELETE FROM revocations WHERE expires_at IS NOT NULL AND expires_at < $1',
      [now],
    )
    return result.rowCount ?? 0
  }
}
