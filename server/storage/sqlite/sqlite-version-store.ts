import type { DocId } from '../../../shared/ids.js'
import { newVersionMeta, type NewVersion, type VersionMeta, type VersionStore } from '../../history/version-store.js'
import type { SqliteDatabase } from './sqlite-database.js'

/** A row holds VersionMeta's fields under its names, authors still as the stored JSON text. */
type Row = Omit<VersionMeta, 'authors'> & { authors: string }

/** Versions in the same SQLite file as the documents (one backup holds both). */
export class SqliteVersionStore implements VersionStore {
  private readonly statements

  /** Reads on the main connection; writes on the writer thread, like the documents' own. */
  constructor(private readonly database: SqliteDatabase) {
    const db = database.reader
    const columns = 'id, doc_id AS docId, created_at AS createdAt, name, authors, size_bytes AS sizeBytes'
    this.statements = {
      list: db.prepare(`SELECT ${columns} FROM versions WHERE doc_id = ? ORDER BY created_at DESC, id DESC`),
      get: db.prepare(`SELECT ${columns}, state FROM versions WHERE doc_id = ? AND id = ?`),
      meta: db.prepare(`SELECT ${columns} FROM versions WHERE doc_id = ? AND id = ?`),
    }
  }

  async add(docId: DocId, version: NewVersion): Promise<VersionMeta> {
    const [inserted] = await this.database.write([
      {
        sql: 'INSERT INTO versions (doc_id, created_at, name, authors, size_bytes, state) VALUES (?, ?, ?, ?, ?, ?)',
        params: [
          docId,
          version.createdAt,
          version.name,
          JSON.stringify(version.authors),
          version.state.byteLength,
          version.state,
        ],
      },
    ])
    return newVersionMeta(inserted!.lastInsertRowid, docId, version)
  }

  async list(docId: DocId): Promise<VersionMeta[]> {
    return (this.statements.list.all(docId) as Row[]).map(toMeta)
  }

  async get(docId: DocId, id: number): Promise<{ meta: VersionMeta; state: Uint8Array } | null> {
    const row = this.statements.get.get(docId, id) as (Row & { state: Buffer }) | undefined
    if (!row) return null
    const { state, ...meta } = row
    return { meta: toMeta(meta), state: new Uint8Array(state) }
  }

  async setName(docId: DocId, id: number, name: string | null): Promise<VersionMeta | null> {
    await this.database.write([
      { sql: 'UPDATE versions SET name = ? WHERE doc_id = ? AND id = ?', params: [name, docId, id] },
    ])
    const row = this.statements.meta.get(docId, id) as Row | undefined
    return row ? toMeta(row) : null
  }

  async remove(docId: DocId, ids: number[]): Promise<number> {
    if (ids.length === 0) return 0
    const results = await this.database.write(
      ids.map((id) => ({ sql: 'DELETE FROM versions WHERE doc_id = ? AND id = ?', params: [docId, id] })),
    )
    return results.reduce((n, result) => n + result.changes, 0)
  }

  async removeAll(docId: DocId): Promise<void> {
    await this.database.write([{ sql: 'DELETE FROM versions WHERE doc_id = ?', params: [docId] }])
  }
}

function toMeta(row: Row): VersionMeta {
  return { ...row, authors: JSON.parse(row.authors) as string[] }
}
