import type { NewRevocation, Revocation, RevocationKind, RevocationStore } from '../../auth/revocation-store.js'
import type { PostgresDatabase } from './postgres-database.js'

interface Row {
  id: string
  kind: RevocationKind
  subject: string
  revoked_at: string
  expires_at: string | null
}

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
    const { rows } = await this.database.pool.query<Row>(
      'SELECT id, kind, subject, revoked_at, expires_at FROM revocations WHERE id > $1 ORDER BY id',
      [afterId],
    )
    return rows.map(toRevocation)
  }

  async prune(now: number): Promise<number> {
    const result = await this.database.pool.query(
      'DELETE FROM revocations WHERE expires_at IS NOT NULL AND expires_at < $1',
      [now],
    )
    return result.rowCount ?? 0
  }
}

function toRevocation(row: Row): Revocation {
  return {
    id: Number(row.id),
    kind: row.kind,
    subject: row.subject,
    revokedAt: Number(row.revoked_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  }
}
