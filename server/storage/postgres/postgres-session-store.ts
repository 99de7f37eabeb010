import type { Session, SessionStore } from '../../auth/session-store.js'
import type { PostgresDatabase } from './postgres-database.js'

// BIGINT as float8, which node-postgres returns as numbers (BIGINT comes back as strings).
const COLUMNS = `id, person_id AS "personId", csrf_token AS "csrfToken", id_token AS "idToken",
  created_at::float8 AS "createdAt", expires_at::float8 AS "expiresAt"`

/** Sessions in the shared PostgreSQL database: any instance serves any session. */
export class PostgresSessionStore implements SessionStore {
  constructor(private readonly database: PostgresDatabase) {}

  async create(session: Session): Promise<void> {
    const { id, personId, csrfToken, idToken, createdAt, expiresAt } = session
    await this.database.pool.query(
      `INSERT INTO sessions (id, person_id, csrf_token, id_token, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, personId, csrfToken, idToken, createdAt, expiresAt],
    )
  }

  async get(id: string): Promise<Session | null> {
    const { rows } = await this.database.pool.query<Session>(`SELECT ${COLUMNS} FROM sessions WHERE id = $1`, [id])
    return rows[0] ?? null
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.database.pool.query('DELETE FROM sessions WHERE id = $1', [id])
    return (result.rowCount ?? 0) > 0
  }

  async deleteForPerson(personId: string): Promise<number> {
    const result = await this.database.pool.query('DELETE FROM sessions WHERE person_id = $1', [personId])
    return result.rowCount ?? 0
  }

  async prune(now: number): Promise<number> {
    const result = await this.database.pool.query('DELETE FROM sessions WHERE expires_at < $1', [now])
    return result.rowCount ?? 0
  }
}
