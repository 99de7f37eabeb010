// eslint-disable-next-line no-restricted-imports -- the storage backends (issue 15) take their settings as arguments
import { DEFAULT_DATA_DIR } from '../config.js'
import type { Logger } from '../logger.js'
import type { DocStore } from './doc-store.js'
import { PostgresDocStore } from './postgres-doc-store.js'
import { SqliteDocStore } from './sqlite-doc-store.js'
import { errorMessage } from '../../shared/errors.js'

/** Where a server keeps its data, as its settings name it (DATA_DIR, DATABASE_URL). */
export interface StorageLocation {
  /** postgres://... : the PostgreSQL database the servers use; takes precedence over `dataDir`. */
  databaseUrl?: string
  /** The servers' DATA_DIR (SQLite); default ./data. */
  dataDir?: string
}

/**
 * The one place that turns settings into a document store, for the server, the CLI and the
 * revocation helpers alike: PostgreSQL when `databaseUrl` is set, SQLite in `dataDir` otherwise.
 * Either way the schema is migrated before this returns. A failure names the setting to fix; for
 * PostgreSQL never its value (the URL may carry a password).
 */
export async function openDocStore(location: StorageLocation, log?: Logger): Promise<DocStore> {
  if (!location.databaseUrl) {
    const dataDir = location.dataDir ?? DEFAULT_DATA_DIR
    try {
      return new SqliteDocStore({ dataDir })
    } catch (error) {
      throw new Error(`cannot open the SQLite database in DATA_DIR (${dataDir}): ${errorMessage(error)}`)
    }
  }
  try {
    return await PostgresDocStore.open({ connectionString: location.databaseUrl, log })
  } catch (error) {
    throw new Error(`cannot open PostgreSQL at DATABASE_URL: ${errorMessage(error)}`)
  }
}
