import type { DocId } from '../../../shared/ids.js'
import { newVersionMeta, type NewVersion, type VersionMeta, type VersionStore } from '../../history/version-store.js'
import type { PostgresDatabase } from './postgres-database.js'

/**
 * VersionMeta's columns under its names; BIGINT as float8, which node-postgres returns as numbers
 * (BIGINT comes back as strings), so rows are VersionMeta as they are.
 */
const META_COLUMNS =
  'id::float8 AS id, doc_id AS "docId", created_at::float8 AS "createdAt", name, authors, size_bytes AS "sizeBytes"'

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
    const { rows } = await this.database.pool.query<VersionMeta>(
      `SELECT ${META_COLUMNS} FROM versions WHERE doc_id = $1 ORDER BY created_at DESC, id DESC`,
      [docId],
    )
    return rows
  }

  async get(docId: DocId, id: number): Promise<{ meta: VersionMeta; state: Uint8Array } | null> {
    const { rows } = await this.database.pool.query<VersionMeta & { state: Buffer }>(
      `SELECT ${META_COLUMNS}, state FROM versions WHERE doc_id = $1 AND id = $2`,
      [docId, id],
    )
    if (!rows[0]) return null
    const { state, ...meta } = rows[0]
    return { meta, state: new Uint8Array(state) }
  }

  async setName(docId: DocId, id: number, name: string | null): Promise<VersionMeta | null> {
    const { rows } = await this.database.pool.query<VersionMeta>(
      `UPDATE versions SET name = $3 WHERE doc_id = $1 AND id = $2 RETURNING ${META_COLUMNS}`,
      [docId, id, name],
    )
    return rows[0] ?? null
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
