import type { Role } from '../../../shared/roles.js'
import type { DocumentAccess, NewPerson, PeopleStore, Person, Share } from '../../people/people-store.js'
import type { SqliteDatabase } from './sqlite-database.js'

const PERSON_COLUMNS = 'id, name, email, colour, created_at AS createdAt, last_seen_at AS lastSeenAt'
const SHARE_COLUMNS = 'doc_id AS docId, email, role, shared_by AS sharedBy, created_at AS createdAt'

interface AccessRow {
  docId: string
  ownerId: string | null
  linkRole: Role | null
  editorsCanShare: number
}

/** People and sharing in the documents' SQLite file (one backup holds them with the documents). */
export class SqlitePeopleStore implements PeopleStore {
  private readonly statements

  /** Reads on the main connection; writes on the writer thread, like the documents' own. */
  constructor(private readonly database: SqliteDatabase) {
    const db = database.reader
    this.statements = {
      person: db.prepare(`SELECT ${PERSON_COLUMNS} FROM people WHERE id = ?`),
      personByEmail: db.prepare(
        `SELECT ${PERSON_COLUMNS} FROM people WHERE email = ? ORDER BY last_seen_at DESC LIMIT 1`,
      ),
      access: db.prepare(
        `SELECT doc_id AS docId, owner_id AS ownerId, link_role AS linkRole, editors_can_share AS editorsCanShare
         FROM document_access WHERE doc_id = ?`,
      ),
      shares: db.prepare(`SELECT ${SHARE_COLUMNS} FROM document_shares WHERE doc_id = ? ORDER BY seq`),
      ownedBy: db.prepare('SELECT doc_id AS docId FROM document_access WHERE owner_id = ? ORDER BY doc_id'),
      sharedWith: db.prepare(`SELECT ${SHARE_COLUMNS} FROM document_shares WHERE email = ? ORDER BY seq`),
    }
  }

  async savePerson(person: NewPerson, now: number): Promise<Person> {
    await this.database.write([
      {
        sql: `INSERT INTO people (id, name, email, colour, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)
              ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email,
                last_seen_at = excluded.last_seen_at`,
        params: [person.id, person.name, person.email, person.colour, now, now],
      },
    ])
    return (await this.person(person.id))!
  }

  async person(id: string): Promise<Person | null> {
    return (this.statements.person.get(id) as Person | undefined) ?? null
  }

  async personByEmail(email: string): Promise<Person | null> {
    return (this.statements.personByEmail.get(email) as Person | undefined) ?? null
  }

  async access(docId: string): Promise<DocumentAccess | null> {
    const row = this.statements.access.get(docId) as AccessRow | undefined
    return row ? { ...row, editorsCanShare: row.editorsCanShare === 1 } : null
  }

  async claim(docId: string, ownerId: string): Promise<boolean> {
    const [claimed] = await this.database.write([
      {
        sql: `INSERT INTO document_access (doc_id, owner_id, link_role, editors_can_share) VALUES (?, ?, NULL, 0)
              ON CONFLICT (doc_id) DO NOTHING`,
        params: [docId, ownerId],
      },
    ])
    return claimed!.changes > 0
  }

  async saveAccess(access: DocumentAccess): Promise<void> {
    await this.database.write([
      {
        sql: `INSERT INTO document_access (doc_id, owner_id, link_role, editors_can_share) VALUES (?, ?, ?, ?)
              ON CONFLICT (doc_id) DO UPDATE SET owner_id = excluded.owner_id, link_role = excluded.link_role,
                editors_can_share = excluded.editors_can_share`,
        params: [access.docId, access.ownerId, access.linkRole, access.editorsCanShare ? 1 : 0],
      },
    ])
  }

  async shares(docId: string): Promise<Share[]> {
    return this.statements.shares.all(docId) as Share[]
  }

  async saveShare(share: Share): Promise<void> {
    await this.database.write([
      {
        sql: `INSERT INTO document_shares (doc_id, email, role, shared_by, created_at) VALUES (?, ?, ?, ?, ?)
              ON CONFLICT (doc_id, email) DO UPDATE SET role = excluded.role, shared_by = excluded.shared_by`,
        params: [share.docId, share.email, share.role, share.sharedBy, share.createdAt],
      },
    ])
  }

  async removeShare(docId: string, email: string): Promise<boolean> {
    const [removed] = await this.database.write([
      { sql: 'DELETE FROM document_shares WHERE doc_id = ? AND email = ?', params: [docId, email] },
    ])
    return removed!.changes > 0
  }

  async ownedBy(personId: string): Promise<string[]> {
    return (this.statements.ownedBy.all(personId) as { docId: string }[]).map((row) => row.docId)
  }

  async sharedWith(email: string): Promise<Share[]> {
    return this.statements.sharedWith.all(email) as Share[]
  }

  async forgetDocument(docId: string): Promise<void> {
    await this.database.write([
      { sql: 'DELETE FROM document_access WHERE doc_id = ?', params: [docId] },
      { sql: 'DELETE FROM document_shares WHERE doc_id = ?', params: [docId] },
    ])
  }
}
