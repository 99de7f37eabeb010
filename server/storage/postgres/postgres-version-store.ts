import type { DocId } from '../../../shared/ids.js'
import { newVersionMeta, type NewVersion, type VersionMeta, type VersionStore } from '../../history/version-store.js'
import type { PostgresDatabase } from './postgres-database.js'

interface Row {
  id: string
  doc_id: DocId
  created_at: string
  name: string | null
  authors: string[]
  size_bytes: number
}

/** Versions in the same PostgreSQL database as the documents (one pg_dump holds both). */
export class PostgresVersionStore implements VersionStore {
  constructor(private readonly database: PostgresDatabase) {}

  async add(docId: DocId, version: NewVersion): Promise<VersionMeta> {
    const { rows } = await this.database.pool.query<{ id: string }>(
      `INSERT INTO versions (doc_id, created_at, name, authors, size_bytes, state)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        docId,
        version.createdAt,
        version.name,
        JSON.stringify(version.authors),
        version.state.byteLength,
        Buffer.from(version.state),
      ],
    )
    return newVersionMeta(Number(rows[0]!.id), docId, version)
  }

  async list(docId: DocId): Promise<VersionMeta[]> {
    const { rows } = await this.database.pool.query<Row>(
      `SELECT id, doc_id, created_at, name, authors, size_bytes FROM versions
       WHERE doc_id = $1 ORDER BY created_at DESC, id DESC`,
      [docId],
    )
    return rows.map(toMeta)
  }

  async get(docId: DocId, id: number): Promise<{ meta: VersionMeta; state: Uint8Array } | null> {
    const { rows } = await this.database.pool.query<Row & { state: Buffer }>(
      'SELECT id, doc_id, created_at, name, authors, size_bytes, state FROM versions WHERE doc_id = $1 AND id = $2',
      [docId, id],
    )
    const row = rows[0]
    return row ? { meta: toMeta(row), state: new Uint8Array(row.state) } : null
  }

  async setName(docId: DocId, id: number, name: string | null): Promise<VersionMeta | null> {
    const { rows } = await this.database.pool.query<Row>(
      `UPDATE versions SET name = $3 WHERE doc_id = $1 AND id = $2
       RETURNING id, doc_id, created_at, name, authors, size_bytes`,
      [docId, id, name],
    )
    return rows[0] ? toMeta(rows[0]) : null
  }

  async remove(docId: DocId, ids: number[]): Promise<number> {
    const result = await this.database.pool.query('DELETE FROM versions WHERE doc_id = $1 AND id = ANY($2::bigint[])', [
      docId,
      ids,
    ])
    return result.rowCount ?? 0
  }

  async removeAll(docId: DocId): Promise<void> {
    await this.database.pool.query('DELETE FROM versions WHERE doc_id = $1', [docId])
  }
}

function toMeta(row: Row): VersionMeta {
  return {
    id: Number(row.id),
    docId: row.doc_id,
    createdAt: Number(row.created_at),
    name: row.name,
    authors: row.authors,
    sizeBytes: row.size_bytes,
  }
}
