#!/usr/bin/env node
/**
 * The `tandem` command and the server's composition root: the only module that reads
 * process.env, process.argv or installs signal handlers.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { Command, Option } from 'commander'
import { CONTENT_FORMATS, SUGGESTION_VIEWS, type ContentFormat, type ImportFormat } from './content/formats.js'
import type { SuggestionsView } from '../shared/suggestions/suggestions.js'
import { checkBaseUrl } from './content/image-urls.js'
import { revokeToken, revokeUser } from './auth/revoke.js'
import { DEFAULT_TOKEN_TTL_SECONDS, mintToken } from './auth/tokens.js'
import { Role, ROLES } from '../shared/roles.js'
import type { SignInSettings } from './auth/sign-in.js'
import { ConfigError, operatorLimits, resolveConfig, SETTINGS, type Config, type SettingName } from './config.js'
import { createServer, VERSION } from './create-server.js'
import { checkDocId, DocumentService } from './documents/document-service.js'
import { formatVersionTable, openHistory } from './history/cli-history.js'
import { createLogger } from './logger.js'
import { createMetrics } from './metrics.js'
import { resolveLimits } from './server-limits.js'
import { LocalPubSub } from './pubsub/local-pubsub.js'
import { openStorage } from './storage/open-storage.js'
import { openSqliteStorage } from './storage/sqlite/sqlite-storage.js'
import { compactDocument } from './sync/compaction.js'
import { RoomRegistry } from './sync/room-registry.js'
import { errorMessage } from '../shared/errors.js'

const program = new Command()
  .name('tandem')
  .description('Tandem: a self-hostable real-time collaborative editor and its sync server')
  .version(VERSION)
  .showHelpAfterError()

function withSettings(command: Command, names: SettingName[]): Command {
  for (const name of names) {
    const setting = SETTINGS[name]
    const defaultNote = setting.default === undefined ? '' : `; default ${setting.default}`
    command.addOption(new Option(setting.flag, `${setting.help} [env ${setting.env}${defaultNote}]`))
  }
  return command
}

function configFrom(flags: Record<string, string | undefined>): Config {
  try {
    return resolveConfig(flags, process.env)
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message)
    throw error
  }
}

function fail(message: string): never {
  process.stderr.write(`tandem: ${message}\n`)
  process.exit(1)
}

const STORAGE_SETTINGS: SettingName[] = ['dataDir', 'databaseUrl']

/** Storage and document operations for offline commands (no HTTP server). */
async function openOffline(config: Config) {
  const log = createLogger('warn', process.stderr)
  // With PostgreSQL these commands work next to running servers: appends never conflict, and
  // compaction replaces only the rows it merged.
  const storage = await openStorage(config, log)
  const store = storage.docs
  const registry = new RoomRegistry({
    store,
    pubsub: new LocalPubSub(),
    log,
    metrics: createMetrics(),
    unloadDelayMs: 0,
    limits: resolveLimits(),
  })
  const documents = new DocumentService(store, registry)
  const close = async () => {
    await registry.closeAll(1000, 'done')
    await storage.close()
  }
  return { storage, store, documents, close }
}

async function runOffline(config: Config, work: (offline: Awaited<ReturnType<typeof openOffline>>) => Promise<void>) {
  const offline = await openOffline(config).catch((error: unknown) => fail(errorMessage(error)))
  try {
    await work(offline)
  } catch (error) {
    await offline.close().catch(() => undefined)
    fail(errorMessage(error))
  }
  await offline.close()
}

withSettings(
  program.command('serve').description('run the sync server and web app (what `npm start` runs)'),
  Object.keys(SETTINGS) as SettingName[],
).action(async (flags: Record<string, string | undefined>) => {
  const config = configFrom(flags)
  const log = createLogger(config.logLevel)
  let server
  try {
    server = await createServer({
      ...config,
      logger: log,
      limits: operatorLimits(config),
      signalling: { iceServers: config.iceServers, isPeerToPeerEnabled: config.p2pPresence === 'on' },
      webhooks: {
        url: config.webhookUrl,
        secret: config.webhookSecret,
        documentChangedIntervalMs: config.webhookDocumentChangedIntervalMs,
      },
      signIn: signInSettings(config),
    })
    await server.listen()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') fail(`port ${config.port} is already in use; pick another with --port or PORT`)
    if (code === 'EACCES') fail(`no permission to listen on ${config.host}:${config.port}`)
    fail(errorMessage(error))
  }
  let signals = 0
  const stop = (signal: string) => {
    signals++
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting without waiting')
      process.exit(1)
    }
    log.info({ signal }, 'shutting down')
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
})

withSettings(
  program
    .command('export')
    .description('print a document to stdout')
    .argument('<docId>', 'document id')
    .addOption(new Option('--format <format>', 'output format').choices(CONTENT_FORMATS).default('markdown'))
    .addOption(
      new Option(
        '--suggestions <mode>',
        'pending suggestions: as if rejected, as if accepted, or shown (html: <ins>/<del>; json: the marks; ' +
          'markdown and text: both sides, unmarked)',
      )
        .choices(SUGGESTION_VIEWS)
        .default('reject'),
    )
    .option('--comments', 'append the comment threads after the text')
    .option(
      '--base-url <url>',
      "markdown and html: the server's public address (https://tandem.example.org); uploaded images " +
        'become absolute URLs under it, without any token (readers need their own access). ' +
        'Without it, their URLs stay relative (/api/docs/<docId>/files/<id>)',
    )
    .option(
      '--embed-images',
      'html only: write a self-contained file, with uploaded images inlined as data: URLs (external images stay links)',
    ),
  STORAGE_SETTINGS,
).action(
  async (
    docId: string,
    {
      comments,
      embedImages,
      baseUrl,
      ...flags
    }: Record<string, string | undefined> & { comments?: boolean; embedImages?: boolean; baseUrl?: string },
  ) => {
    const config = configFrom(flags)
    const format = flags.format as ContentFormat
    const suggestions = flags.suggestions as SuggestionsView
    if (embedImages && format !== 'html') {
      fail(`--embed-images works with --format html only (a ${format} export cannot hold image bytes)`)
    }
    let imageBaseUrl: string | undefined
    try {
      imageBaseUrl = baseUrl === undefined ? undefined : checkBaseUrl(baseUrl)
    } catch (error) {
      fail(errorMessage(error))
    }
    await runOffline(config, async ({ documents, storage }) => {
      const threads = comments ? await storage.comments.listThreads(docId) : undefined
      const { body } = await documents.render(docId, format, undefined, threads, {
        imageBaseUrl,
        suggestions,
        // Only files this document references: another document's upload is never inlined here.
        embedImages: embedImages ? (fileId) => storage.files.get(docId, fileId) : undefined,
      })
      process.stdout.write(body ?? '')
    })
  },
)

withSettings(
  program
    .command('import')
    .description('create a document from a Markdown or HTML file (server-side: clients never seed content)')
    .argument('<docId>', 'document id to create (or fill, if it is empty)')
    .argument('<file>', 'a .md, .markdown, .html or .htm file')
    .option('--replace', 'overwrite a document that already has content (as an ordinary, undoable change)')
    .option('--title <title>', 'document title (default: the file name)'),
  STORAGE_SETTINGS,
).action(async (docId: string, file: string, flags: Record<string, string | undefined>) => {
  const config = configFrom(flags)
  const extension = path.extname(file).toLowerCase()
  const format: ImportFormat | null =
    extension === '.md' || extension === '.markdown'
      ? 'markdown'
      : extension === '.html' || extension === '.htm'
        ? 'html'
        : null
  if (!format) fail(`cannot tell the format of ${file}: use a .md, .markdown, .html or .htm file`)
  if (!existsSync(file)) fail(`file not found: ${file}`)
  const source = readFileSync(file, 'utf8')
  await runOffline(config, async ({ documents, store }) => {
    const info = await documents.importContent(docId, { source, format }, Boolean(flags.replace))
    if (!info.title) await store.setTitle(info.docId, flags.title ?? path.basename(file, extension))
    process.stderr.write(`imported ${file} into ${docId} (${info.sizeBytes} bytes stored)\n`)
  })
})

withSettings(
  program
    .command('compact')
    .description('merge update logs into snapshots (the server also does this on its own as logs grow)')
    .argument('[docId]', 'one document (default: all)'),
  STORAGE_SETTINGS,
).action(async (docId: string | undefined, flags: Record<string, string | undefined>) => {
  const config = configFrom(flags)
  await runOffline(config, async ({ store }) => {
    const ids = docId ? [docId] : (await store.list()).map((d) => d.docId)
    let done = 0
    for (const id of ids) {
      const result = await compactDocument(store, id as never)
      done++
      const what = result?.isSuperseded
        ? 'compacted concurrently by a running server; nothing to do'
        : result
          ? `${result.mergedRows} rows (${result.mergedBytes} bytes) -> snapshot of ${result.snapshotBytes} bytes` +
            (result.quarantined ? `, ${result.quarantined} quarantined` : '')
          : 'nothing to compact'
      process.stderr.write(`[${done}/${ids.length}] ${id}: ${what}\n`)
    }
  })
})

withSettings(
  program
    .command('backup')
    .description('write a consistent copy of the SQLite database (safe while the server runs)')
    .argument('<file>', 'destination file'),
  STORAGE_SETTINGS,
).action(async (file: string, flags: Record<string, string | undefined>) => {
  const config = configFrom(flags)
  if (config.databaseUrl) {
    fail('backup copies the SQLite database; with DATABASE_URL use pg_dump instead (docs/operations.md, "Backups")')
  }
  const storage = openSqliteStorage({ dataDir: config.dataDir })
  try {
    let lastPercent = -1
    await storage.backup(path.resolve(file), (copied, total) => {
      const percent = total === 0 ? 100 : Math.floor((copied / total) * 100)
      if (percent !== lastPercent) process.stderr.write(`\rbacking up ${storage.file}: ${percent}%`)
      lastPercent = percent
    })
    if (lastPercent !== 100) process.stderr.write(`\rbacking up ${storage.file}: 100%`)
    process.stderr.write(`\nbackup written to ${path.resolve(file)}\n`)
  } catch (error) {
    fail(`backup failed: ${errorMessage(error)}`)
  } finally {
    await storage.close()
  }
})

withSettings(
  program
    .command('versions')
    .description("list a document's versions, newest first")
    .argument('<docId>', 'document id')
    .option('--server <url>', 'ask a running server (e.g. http://127.0.0.1:1234) instead of reading storage')
    .option('--token <token>', 'token for --server when AUTH_SECRET is set'),
  STORAGE_SETTINGS,
).action(async (docId: string, flags: Record<string, string | undefined>) => {
  if (flags.server) {
    const body = (await callServer(
      flags.server,
      `/api/docs/${encodeURIComponent(docId)}/versions`,
      'GET',
      flags.token,
    )) as {
      versions: { id: number; createdAt: string; name: string | null; authors: string[]; sizeBytes: number }[]
    }
    process.stdout.write(formatVersionTable(body.versions.map((v) => ({ ...v, createdAt: Date.parse(v.createdAt) }))))
    return
  }
  const config = configFrom(flags)
  await runOffline(config, async ({ storage }) => {
    const { history, close } = openHistory(storage, createLogger('warn', process.stderr))
    try {
      process.stdout.write(formatVersionTable(await history.list(checkDocId(docId))))
    } finally {
      await close()
    }
  })
})

withSettings(
  program
    .command('restore')
    .description(
      'make a document equal to one of its versions (an ordinary change; the state before is kept as a version)',
    )
    .argument('<docId>', 'document id')
    .argument('<version>', 'version id, from `tandem versions`')
    .option('--server <url>', 'restore through a running server, so open editors see it at once')
    .option('--token <token>', 'edit token for --server when AUTH_SECRET is set'),
  STORAGE_SETTINGS,
).action(async (docId: string, version: string, flags: Record<string, string | undefined>) => {
  if (!/^\d{1,15}$/.test(version)) fail(`version must be a number from \`tandem versions ${docId}\`; got "${version}"`)
  if (flags.server) {
    await callServer(
      flags.server,
      `/api/docs/${encodeURIComponent(docId)}/versions/${version}/restore`,
      'POST',
      flags.token,
    )
    process.stderr.write(`restored ${docId} to version ${version}\n`)
    return
  }
  const config = configFrom(flags)
  await runOffline(config, async ({ storage }) => {
    const { history, close } = openHistory(storage, createLogger('warn', process.stderr))
    try {
      const { before } = await history.restore(checkDocId(docId), Number(version))
      process.stderr.write(
        `restored ${docId} to version ${version}; the previous state is version ${before.id}. ` +
          'Editors open on a running server see it after they reconnect (use --server to restore live).\n',
      )
    } finally {
      await close()
    }
  })
})

/** Calls a running Tandem server's REST API, failing with its error message. */
async function callServer(server: string, path: string, method: string, token: string | undefined): Promise<unknown> {
  let response: Response
  try {
    response = await fetch(new URL(path, server), {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    })
  } catch (error) {
    fail(`cannot reach ${server}: ${errorMessage(error)}`)
  }
  const body = (await response.json().catch(() => ({}))) as { message?: string }
  if (!response.ok) fail(`${server} answered ${response.status}: ${body.message ?? 'no details'}`)
  return body
}

const tokenCommand = program
  .command('token')
  .description('print a signed token for a document (uses AUTH_SECRET from the environment); `token revoke` revokes')
  // Checked in the action, not with requiredOption: commander would demand them of `token revoke` too.
  .option('--doc <docId>', 'document id, or a pattern with * (e.g. team-*, or * for all) (required)')
  .addOption(new Option('--role <role>', 'what the token allows (required)').choices([...ROLES]))
  .option('--ttl <seconds>', 'lifetime in seconds', String(DEFAULT_TOKEN_TTL_SECONDS))
  .option('--name <user>', 'display name shown on the cursor')
  .option('--user-id <id>', "stable user id, the token's sub (default: random); `token revoke --user` names it")
  .action(async (flags: { doc?: string; role?: Role; ttl: string; name?: string; userId?: string }) => {
    if (!flags.doc) fail("required option '--doc <docId>' not specified")
    if (!flags.role) fail("required option '--role <role>' not specified (view, comment or edit)")
    const secret = process.env.AUTH_SECRET
    if (!secret) fail('AUTH_SECRET is not set; export the secret the server runs with')
    const ttlSeconds = Number(flags.ttl)
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)
      fail(`--ttl must be a positive whole number; got "${flags.ttl}"`)
    try {
      process.stdout.write(
        (await mintToken({
          secret,
          doc: flags.doc,
          role: flags.role,
          ttlSeconds,
          name: flags.name,
          userId: flags.userId,
        })) + '\n',
      )
    } catch (error) {
      const issues = (error as { issues?: { message: string }[] }).issues
      fail(issues ? issues.map((i) => i.message).join('; ') : errorMessage(error))
    }
  })

withSettings(
  tokenCommand
    .command('revoke')
    .description(
      'revoke one token (a whole token, expired or not, or its jti) or, with --user, every token of a user ' +
        'issued up to now; running servers refuse it and close its connections within REVOCATION_POLL_MS ' +
        "(default 5 s). Uses AUTH_SECRET and the servers' storage (DATA_DIR or DATABASE_URL)",
    )
    .argument('[token-or-jti]', 'the token to revoke, or its jti claim')
    .option('--user <sub>', "revoke every token of this user id (the tokens' sub) issued until now"),
  STORAGE_SETTINGS,
).action(async (tokenOrJti: string | undefined, flags: Record<string, string | undefined>) => {
  if (!process.env.AUTH_SECRET) {
    fail(
      'AUTH_SECRET is not set: without it the server accepts no tokens, so there is nothing to revoke; ' +
        'export the secret the server runs with',
    )
  }
  if (tokenOrJti === undefined && flags.user === undefined) {
    fail('give either a token (or its jti) or --user <sub> (every token of that user): nothing to revoke was named')
  }
  if (tokenOrJti !== undefined && flags.user !== undefined) {
    fail('give either a token (or its jti) or --user <sub>, not both')
  }
  const config = configFrom(flags)
  const location = { dataDir: config.dataDir, databaseUrl: config.databaseUrl }
  try {
    if (flags.user !== undefined) {
      const revocation = await revokeUser({ ...location, userId: flags.user })
      process.stderr.write(
        `revoked every token of user ${revocation.subject} issued until ${new Date(revocation.revokedAt).toISOString()}; ` +
          'tokens minted for them from the next second on work\n',
      )
    } else {
      const revocation = await revokeToken({ ...location, token: tokenOrJti ?? '', secret: process.env.AUTH_SECRET })
      const until = revocation.expiresAt === null ? '' : ` (it expires ${new Date(revocation.expiresAt).toISOString()})`
      process.stderr.write(`revoked token ${revocation.subject}${until}\n`)
    }
    process.stderr.write('running servers close its connections within REVOCATION_POLL_MS (default 5 s)\n')
  } catch (error) {
    fail(errorMessage(error))
  }
})

await program.parseAsync(process.argv)

/** Sign-in's settings, when OIDC_ISSUER is set (config.ts has checked the others come with it). */
function signInSettings(config: Config): SignInSettings | undefined {
  if (!config.oidcIssuer || !config.oidcClientId || !config.oidcClientSecret || !config.publicUrl) return undefined
  return {
    issuer: config.oidcIssuer,
    clientId: config.oidcClientId,
    clientSecret: config.oidcClientSecret,
    publicUrl: config.publicUrl,
    scopes: config.oidcScopes,
    adminEmails: config.adminEmails,
  }
}
