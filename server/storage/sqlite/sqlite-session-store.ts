import type { Session, SessionStore } from '../../auth/session-store.js'
import type { SqliteDatabase } from './sqlite-database.js'

const COLUMNS = `id, person_id AS personId, csrf_token AS csrfToken, id_token AS idToken,
  created_at AS createdAt, expires_at AS expiresAt`

/** Sessions in the documents' SQLite file: every process on the file (and a restart) sees them. */
export class SqliteSessionStore implements SessionStore {
  private readonly statements

  /** Reads on the main connection; writes on the writer thread, like the documents' own. */
  constructor(private readonly database: SqliteDatabase) {
    this.statements = { get: database.reader.prepare(`SELECT ${COLUMNS} FROM sessions WHERE id = ?`) }
  }

  async create(session: Session): Promise<void> {
    const { id, personId, csrfToken, idToken, createdAt, expiresAt } = session
    await this.database.write([
      {
        sql: `INSERT INTO sessions (id, person_id, csrf_token, id_token, created_at, expires_at)
              VALUES (?, ?, ?, ?, ?, ?)`,
        params: [id, personId, csrfToken, idToken, createdAt, expiresAt],
      },
    ])
  }

  async get(id: string): Promise<Session | null> {
    return (this.statements.get.get(id) as Session | undefined) ?? null
  }

  async delete(id: string): Promise<boolean> {
    const [deleted] = await this.database.write([{ sql: 'DELETE FROM sessions WHERE id = ?', params: [id] }])
    return deleted!.changes > 0
  }

  async deleteForPerson(personId: string): Promise<number> {
    const [deleted] = await this.database.write([
      { sql: 'DELETE FROM sessions WHERE person_id = ?', params: [personId] },
    ])
    return deleted!.changes
  }

  async prune(now: number): Promise<number> {
    const [pruned] = await this.database.write([{ sql: 'DELETE FROM sessions WHERE expires_at < ?', params: [now] }])
    return pruned!.changes
  }
}
