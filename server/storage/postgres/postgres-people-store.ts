import type { DocumentAccess, NewPerson, PeopleStore, Person, Share } from '../../people/people-store.js'
import type { PostgresDatabase } from './postgres-database.js'

// BIGINT as float8, which node-postgres returns as numbers (BIGINT comes back as strings).
const PERSON_COLUMNS = `id, name, email, colour, created_at::float8 AS "createdAt", last_seen_at::float8 AS "lastSeenAt"`
const SHARE_COLUMNS = `doc_id AS "docId", email, role, shared_by AS "sharedBy", created_at::float8 AS "createdAt"`
const ACCESS_COLUMNS = `doc_id AS "docId", owner_id AS "ownerId", link_role AS "linkRole", editors_can_share AS "editorsCanShare"`

/** People and sharing in the shared PostgreSQL database, beside the documents. */
export class PostgresPeopleStore implements PeopleStore {
  constructor(private readonly database: PostgresDatabase) {}

  async savePerson(person: NewPerson, now: number): Promise<Person> {
    const { rows } = await this.database.pool.query<Person>(
      `INSERT INTO people (id, name, email, colour, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, last_seen_at = excluded.last_seen_at
       RETURNING ${PERSON_COLUMNS}`,
      [person.id, person.name, person.email, person.colour, now],
    )
    return rows[0]!
  }

  async person(id: string): Promise<Person | null> {
    const { rows } = await this.database.pool.query<Person>(`SELECT ${PERSON_COLUMNS} FROM people WHERE id = $1`, [id])
    return rows[0] ?? null
  }

  async personByEmail(email: string): Promise<Person | null> {
    const { rows } = await this.database.pool.query<Person>(
      `SELECT ${PERSON_COLUMNS} FROM people WHERE email = $1 ORDER BY last_seen_at DESC LIMIT 1`,
      [email],
    )
    return rows[0] ?? null
  }

  async access(docId: string): Promise<DocumentAccess | null> {
    const { rows } = await this.database.pool.query<DocumentAccess>(
      `SELECT ${ACCESS_COLUMNS} FROM document_access WHERE doc_id = $1`,
      [docId],
    )
    return rows[0] ?? null
  }

  async claim(docId: string, ownerId: string): Promise<boolean> {
    const result = await this.database.pool.query(
      `INSERT INTO document_access (doc_id, owner_id, link_role, editors_can_share) VALUES ($1, $2, NULL, FALSE)
       ON CONFLICT (doc_id) DO NOTHING`,
      [docId, ownerId],
    )
    return (result.rowCount ?? 0) > 0
  }

  async saveAccess(access: DocumentAccess): Promise<void> {
    await this.database.pool.query(
      `INSERT INTO document_access (doc_id, owner_id, link_role, editors_can_share) VALUES ($1, $2, $3, $4)
       ON CONFLICT (doc_id) DO UPDATE SET owner_id = excluded.owner_id, link_role = excluded.link_role,
         editors_can_share = excluded.editors_can_share`,
      [access.docId, access.ownerId, access.linkRole, access.editorsCanShare],
    )
  }

  async shares(docId: string): Promise<Share[]> {
    const { rows } = await this.database.pool.query<Share>(
      `SELECT ${SHARE_COLUMNS} FROM document_shares WHERE doc_id = $1 ORDER BY seq`,
      [docId],
    )
    return rows
  }

  async saveShare(share: Share): Promise<void> {
    await this.database.pool.query(
      `INSERT INTO document_shares (doc_id, email, role, shared_by, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (doc_id, email) DO UPDATE SET role = excluded.role, shared_by = excluded.shared_by`,
      [share.docId, share.email, share.role, share.sharedBy, share.createdAt],
    )
  }

  async removeShare(docId: string, email: string): Promise<boolean> {
    const result = await this.database.pool.query('DELETE FROM document_shares WHERE doc_id = $1 AND email = $2', [
      docId,
      email,
    ])
    return (result.rowCount ?? 0) > 0
  }

  async ownedBy(personId: string): Promise<string[]> {
    const { rows } = await this.database.pool.query<{ docId: string }>(
      'SELECT doc_id AS "docId" FROM document_access WHERE owner_id = $1 ORDER BY doc_id',
      [personId],
    )
    return rows.map((row) => row.docId)
  }

  async sharedWith(email: string): Promise<Share[]> {
    const { rows } = await this.database.pool.query<Share>(
      `SELECT ${SHARE_COLUMNS} FROM document_shares WHERE email = $1 ORDER BY seq`,
      [email],
    )
    return rows
  }

  async forgetDocument(docId: string): Promise<void> {
    await this.database.transaction(async (client) => {
      await client.query('DELETE FROM document_access WHERE doc_id = $1', [docId])
      await client.query('DELETE FROM document_shares WHERE doc_id = $1', [docId])
    })
  }
}
