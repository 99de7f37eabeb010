import type pg from 'pg'
import type { FileInfo, FileStore, NewFile, StoredFile } from '../../files/file-store.js'
import type { PostgresDatabase } from './postgres-database.js'

const INFO_COLUMNS = 'f.id, f.type, f.width, f.height, f.size_bytes AS "sizeBytes"'
const REFERENCED = 'FROM file_refs r JOIN files f ON f.id = r.file_id WHERE r.doc_id = $1 AND r.file_id = $2'
/**
 * Arbitrary but fixed: uploads take it shared, a document's deletion exclusive. Under READ
 * COMMITTED a deletion could otherwise miss a reference another instance is adding to a file it
 * is about to remove (and leave that reference pointing at nothing); uploads do not wait for each
 * other.
 */
const FILE_COLLECTION_LOCK_KEY = 7_346_289_118

/** Files as bytea rows in the database every instance shares, so any instance serves any file. */
export class PostgresFileStore implements FileStore {
  constructor(private readonly database: PostgresDatabase) {}

  async put(docId: string, file: NewFile): Promise<FileInfo> {
    return this.database.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock_shared($1)', [FILE_COLLECTION_LOCK_KEY])
      await client.query(
        `INSERT INTO files (id, type, width, height, size_bytes, data) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO NOTHING`,
        [file.id, file.type, file.width, file.height, file.bytes.byteLength, Buffer.from(file.bytes)],
      )
      await client.query(
        'INSERT INTO file_refs (doc_id, file_id) VALUES ($1, $2) ON CONFLICT (doc_id, file_id) DO NOTHING',
        [docId, file.id],
      )
      return (await readInfo(client, docId, file.id))!
    })
  }

  info(docId: string, fileId: string): Promise<FileInfo | null> {
    return readInfo(this.database.pool, docId, fileId)
  }

  async get(docId: string, fileId: string): Promise<StoredFile | null> {
    const { rows } = await this.database.pool.query<FileInfo & { data: Buffer }>(
      `SELECT ${INFO_COLUMNS}, f.data ${REFERENCED}`,
      [docId, fileId],
    )
    if (!rows[0]) return null
    const { data, ...info } = rows[0]
    return { ...info, bytes: new Uint8Array(data) }
  }

  async deleteDocument(docId: string): Promise<number> {
    return this.database.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [FILE_COLLECTION_LOCK_KEY])
      const removed = await client.query(
        `DELETE FROM files WHERE id IN (SELECT file_id FROM file_refs WHERE doc_id = $1)
         AND NOT EXISTS (SELECT 1 FROM file_refs o WHERE o.file_id = files.id AND o.doc_id <> $1)`,
        [docId],
      )
      await client.query('DELETE FROM file_refs WHERE doc_id = $1', [docId])
      return removed.rowCount ?? 0
    })
  }

  async usage(): Promise<{ files: number; bytes: number }> {
    const { rows } = await this.database.pool.query<{ files: number; bytes: number }>(
      'SELECT COUNT(*)::float8 AS files, COALESCE(SUM(size_bytes), 0)::float8 AS bytes FROM files',
    )
    return rows[0]!
  }
}

async function readInfo(client: Pick<pg.ClientBase, 'query'>, docId: string, fileId: string): Promise<FileInfo | null> {
  const { rows } = await client.query<FileInfo>(`SELECT ${INFO_COLUMNS} ${REFERENCED}`, [docId, fileId])
  return rows[0] ?? null
}
