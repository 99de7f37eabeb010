import pg from 'pg'
import type { DocId } from '../../shared/ids.js'
import type { NewVersion, VersionMeta, VersionStore } from './version-store.js'

interface Row {
  id: string
  doc_id: DocId
  created_at: string
  name: string | null
  authors: string[]
  size_bytes: number
}

/** Versions in the same PostgreSQL database as the documents, with a small pool of their own. */
export class PostgresVersionStore implements VersionStore {
  private readonly pool: pg.Pool
  private ready: Promise<void>

  constructor(connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 2 })
    this.pool.on('error', () => undefined) // idle-client errors surface on the next query
    this.ready = this.pool
      .query(
        `CREATE TABLE IF NOT EXISTS versions (
           id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
           doc_id     TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           name       TEXT,
           authors    JSONB NOT NULL,
           size_bytes INTEGER NOT NULL,
           state      BYTEA NOT NULL
         );
         CREATE INDEX IF NOT EXISTS versions_by_doc ON versions (doc_id, created_at);`,
      )
      .then(() => undefined)
  }

  async add(docId: DocId, version: NewVersion): Promise<VersionMeta> {
    await this.ready
    const { rows } = await this.pool.query<{ id: string }>(
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
    return {
      id: Number(rows[0]!.id),
      docId,
      createdAt: version.createdAt,
      name: version.name,
      authors: [...version.authors],
      sizeBytes: version.state.byteLength,
    }
  }

  async list(docId: DocId): Promise<VersionMeta[]> {
    await this.ready
    const { rows } = await this.pool.query<Row>(
      `SELECT id, doc_id, created_at, name, authors, size_bytes FROM versions
       WHERE doc_id = $1 ORDER BY created_at DESC, id DESC`,
      [docId],
    )
    return rows.map(toMeta)
  }

  async get(docId: DocId, id: number): Promise<{ meta: VersionMeta; state: Uint8Array } | null> {
    await this.ready
    const { rows } = await this.pool.query<Row & { state: Buffer }>(
      'SELECT id, doc_id, created_at, name, authors, size_bytes, state FROM versions WHERE doc_id = $1 AND id = $2',
      [docId, id],
    )
    const row = rows[0]
    return row ? { meta: toMeta(row), state: new Uint8Array(row.state) } : null
  }

  async setName(docId: DocId, id: number, name: string | null): Promise<VersionMeta | null> {
    await this.ready
    const { rows } = await this.pool.query<Row>(
      `UPDATE versions SET name = $3 WHERE doc_id = $1 AND id = $2
       RETURNING id, doc_id, created_at, name, authors, size_bytes`,
      [docId, id, name],
    )
    return rows[0] ? toMeta(rows[0]) : null
  }

  async remove(docId: DocId, ids: number[]): Promise<number> {
    await this.ready
    const result = await this.pool.query('DELETE FROM versions WHERE doc_id = $1 AND id = ANY($2::bigint[])', [
      docId,
      ids,
    ])
    return result.rowCount ?? 0
  }

  async removeAll(docId: DocId): Promise<void> {
    await this.ready
    await this.pool.query('DELETE FROM versions WHERE doc_id = $1', [docId])
  }

  async close(): Promise<void> {
    await this.pool.end()
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
