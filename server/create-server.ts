import { clientAddressResolver, requestOriginResolver } from './http/client-address.js'
import { ConnectionLimiter } from './http/connection-limiter.js'
import { existsSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import compression from 'compression'
import express, { type Express, type NextFunction, type Request, type Response } from 'express'
import { ErrorCode, errorMessage } from '../shared/errors.js'
import type { DocId } from '../shared/ids.js'
import { CloseCode, closeReason } from '../shared/protocol/close-codes.js'
import { CommentService } from './comments/comment-service.js'
import { DocumentService } from './documents/document-service.js'
import { docsRoutes } from './http/docs-routes.js'
import { threadsRoutes } from './http/threads-routes.js'
import { filesRoutes } from './http/files-routes.js'
import { FileService } from './files/file-service.js'
import { errorHandler, sendError } from './http/errors.js'
import { createLogger, loggablePath, type Logger, type LogLevel } from './logger.js'
import { createMetrics, type Metrics } from './metrics.js'
import { OpenAuthenticator, TokenAuthenticator } from './auth/authenticator.js'
import { checkSecret } from './auth/tokens.js'
import { mountSignIn, type SignIn, type SignInSettings } from './auth/sign-in.js'
import type { RevocationStore } from './auth/revocation-store.js'
import { RevocationWatcher } from './auth/revocation-watcher.js'
import { LocalPubSub } from './pubsub/local-pubsub.js'
import type { PubSub } from './pubsub/pubsub.js'
import type { DocStore } from './storage/doc-store.js'
import { createMemoryStorage } from './storage/memory/memory-storage.js'
import { openStorage } from './storage/open-storage.js'
import type { StorageBackend } from './storage/storage-backend.js'
import { createRedisPubSub } from './pubsub/redis-pubsub.js'
import { resolveLimits, type ServerLimits } from './server-limits.js'
import { SignallingBinding, type SignallingSettings } from './signalling/signalling-binding.js'
import { RoomRegistry } from './sync/room-registry.js'
import { HistoryService } from './history/history-service.js'
import type { VersionStore } from './history/version-store.js'
import { versionsRoutes } from './http/versions-routes.js'
import { httpTransports } from './transport/http-transports.js'
import { applyCorsHeaders, corsPolicy, isOriginAllowed } from './http/cors.js'
import { CompactionWorker } from './sync/compaction-worker.js'
import { WebSocketBinding } from './transport/websocket-binding.js'
import { checkWebhookSettings, createWebhooks, type WebhookSettings } from './webhooks/create-webhooks.js'
import type { WebhookNotifier } from './webhooks/webhook-notifier.js'
import { LiveThreadFeed, type LoadThreads } from './comments/live-thread-feed.js'
import type { ThreadFeed } from './comments/thread-feed.js'
import { MentionService } from './mentions/mention-service.js'

export const VERSION = '0.1.0'

export interface ServerOptions {
  port?: number
  host?: string
  /** Directory for the SQLite database; ignored when `storage` or `store` is given. */
  dataDir?: string
  /** Ready storage (openStorage(), openSqliteStorage(), ...), closed with the server; otherwise PostgreSQL with `databaseUrl`, else SQLite. */
  storage?: StorageBackend
  /** Documents only (tests pass a MemoryDocStore): version history and revocations are then kept in memory. */
  store?: DocStore
  /** Fan-out between instances; otherwise Redis with `redisUrl`, else none (a single instance). */
  pubsub?: PubSub
  /** Version history storage; defaults to the storage's own (tables beside the documents). */
  versions?: VersionStore
  /** Token revocations (with `authSecret`); defaults to the storage's own (a table beside the documents). */
  revocations?: RevocationStore
  /** postgres://... : PostgreSQL storage, migrated at start (several instances may share it). */
  databaseUrl?: string
  /** redis://... : fan-out between instances over Redis pub/sub. */
  redisUrl?: string
  authSecret?: string
  /** Exact origins allowed for browsers (WebSocket upgrade and CORS); undefined allows any. */
  allowedOrigins?: string[]
  /** Proxies whose X-Forwarded-For names the client, for per-address limits (TRUST_PROXY). */
  trustProxy?: string[]
  logLevel?: LogLevel
  logger?: Logger
  limits?: Partial<ServerLimits>
  /** WebRTC presence: ICE servers handed to clients and the peer-to-peer switch (docs/operations.md). */
  signalling?: SignallingSettings
  /** Signed HTTP notifications of comments and document changes (docs/operations.md, "Webhooks"); off without a url. */
  webhooks?: WebhookSettings
  /** Live comment threads: where each connection's snapshot is read from; the storage's comment store by default. */
  threads?: { loadThreads: LoadThreads }
  /**
   * Sign-in with OpenID Connect, people and sharing (OIDC_ISSUER and friends; docs/operations.md,
   * "Sign-in"); needs `authSecret`. Off without it: nothing about sign-in is served.
   */
  signIn?: SignInSettings
}

export interface TandemServer {
  readonly app: Express
  readonly httpServer: http.Server
  readonly store: DocStore
  readonly pubsub: PubSub
  readonly registry: RoomRegistry
  readonly documents: DocumentService
  readonly history: HistoryService
  /** Comment threads: the rules (roles, authorship, limits) in front of the storage's comment store. */
  readonly comments: CommentService
  /** Uploaded images: the rules (role, sniffing, budget, read access) in front of the storage's file store. */
  readonly files: FileService
  /** Where `revokeToken()` writes; null without AUTH_SECRET (nothing to revoke). */
  readonly revocations: RevocationStore | null
  readonly metrics: Metrics
  readonly log: Logger
  /** Where features report webhook events (a no-op without WEBHOOK_URL); never blocks its caller. */
  readonly webhooks: WebhookNotifier
  /** Where the comment service publishes each durable thread change; delivers it live (never blocks). */
  readonly threadFeed: ThreadFeed
  /** Sessions and sharing rules; null without `signIn`. */
  readonly signIn: SignIn | null
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<{ port: number; url: string }>
  /**
   * Graceful stop: /readyz turns 503, clients are closed with 1012 so they reconnect elsewhere,
   * pending writes are committed, storage is closed.
   */
  close(): Promise<void>
}

/** The built web app (scripts/build-server.mjs): beside dist/server when compiled, under server/dist from source. */
const WEB_APP_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web-app')
const WEB_APP_DIST_FROM_SOURCE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'dist/web-app')

/**
 * Composes the sync server: storage, rooms, the WebSocket binding and the HTTP API on one port.
 * Reads no environment: everything comes in through `options` (see server/cli.ts).
 */
export async function createServer(options: ServerOptions = {}): Promise<TandemServer> {
  const log = options.logger ?? createLogger(options.logLevel ?? 'info')
  const limits = resolveLimits(options.limits)
  // Before anything opens: a weak secret must not leave a writer thread or a Redis connection behind.
  if (options.authSecret) checkSecret(options.authSecret)
  if (options.signIn && !options.authSecret) {
    throw new Error('sign-in (OIDC_ISSUER) needs AUTH_SECRET: signed-in browsers are given signed document tokens')
  }
  checkWebhookSettings(options.webhooks)
  const { storage, pubsub } = await openBackends(options, log)
  // Before listening: a worker thread started from source (tsx) takes a second or more, and the
  // first client's first edit would wait that long for its acknowledgement.
  await storage.warm?.().catch(async (error: unknown) => {
    await closeOwnedBackends(options, storage, pubsub)
    throw error
  })
  const store = storage.docs
  const { revocations, revocationWatcher } = await openRevocations(options, storage, limits, log).catch(
    async (error: unknown) => {
      await closeOwnedBackends(options, storage, pubsub)
      throw error
    },
  )
  const authenticator = options.authSecret
    ? new TokenAuthenticator(options.authSecret, Date.now, revocationWatcher ?? undefined)
    : new OpenAuthenticator()
  const metrics = createMetrics()
  const webhooks = createWebhooks(options.webhooks, { log, metrics })
  const clientAddress = clientAddressResolver(options.trustProxy)
  const history = new HistoryService({
    versions: options.versions ?? storage.versions,
    store,
    timing: { idleMs: limits.versionIdleMs, maxIntervalMs: limits.versionMaxIntervalMs },
    log,
  })
  // Comment threads, live: to this instance's connections that ask, and through pub/sub to the others'.
  const threadFeed = new LiveThreadFeed({
    pubsub,
    log,
    // Snapshots come from the comment store unless the caller brings its own source.
    loadThreads: options.threads?.loadThreads ?? ((docId) => storage.comments.listThreads(docId)),
  })
  const compactionWorker = new CompactionWorker()
  compactionWorker.warm()
  const registry = new RoomRegistry({
    // Durable commits become document.changed events; the rooms' own writes are unchanged.
    store: webhooks.watchCommits(store),
    mergeEntries: compactionWorker.merge,
    pubsub,
    log,
    metrics,
    limits,
    unloadDelayMs: limits.unloadDelayMs,
    hooks: history.roomHooks,
    remoteThreads: threadFeed.receiveRemote,
  })
  history.attach(registry)
  // Mentions need people: only with sign-in. Without it, `@[name](email)` is text like any other.
  const mentions = options.signIn
    ? new MentionService({
        store: storage.mentions,
        people: storage.people,
        notify: (event) => webhooks.notifier.notify(event),
        documentTitle: async (docId) => (await store.info(docId))?.title ?? '',
      })
    : undefined
  const comments = new CommentService({
    store: storage.comments,
    documentExists: async (docId) => (await store.info(docId)) !== null,
    limits,
    // Every durable change goes live to the document's open connections (and other instances).
    threadFeed,
    notify: (event) => webhooks.notifier.notify(event),
    mentions,
    log,
  })
  const files = new FileService({
    store: storage.files,
    documentExists: async (docId) => (await store.info(docId)) !== null,
    createDocument: async (docId) => void (await store.create(docId, '')),
    limits,
  })
  const documents = new DocumentService(store, registry, history, comments, files)
  let isDraining = false

  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.use(corsPolicy(options.allowedOrigins))
  app.use(requestLog(log))

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'pass', version: VERSION })
  })
  app.get('/readyz', async (_request, response) => {
    const checks: Record<string, string> = {
      storage: await probe('storage', () => store.ping(), log),
      pubsub: pubsub.kind === 'local' ? 'inactive' : await probe('pubsub', () => pubsub.ping(), log),
      draining: String(isDraining),
    }
    // Redis down is degraded, not unready: local clients keep editing and every write is still
    // committed; rooms catch up from storage when it returns. Failing readiness on every instance
    // at once would let a balancer turn that into a full outage.
    const ready = !isDraining && checks.storage === 'ok'
    const status = !ready ? 'fail' : checks.pubsub === 'failed' ? 'warn' : 'pass'
    response.status(ready ? 200 : 503).json({ status, checks })
  })
  app.get('/metrics', async (_request, response) => {
    response.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })
  // Exports (content and version downloads) give uploaded images absolute URLs on this origin.
  const originOf = requestOriginResolver(options.trustProxy)
  // Ahead of the document routes: /api/docs/:docId/sharing is the session's, not a token's.
  const signIn =
    options.signIn && options.authSecret && revocations
      ? mountSignIn(app, {
          settings: options.signIn,
          authSecret: options.authSecret,
          storage,
          revocations,
          documents,
          documentExists: async (docId) => (await store.info(docId as DocId)) !== null,
          documentInfo: (docId) => store.info(docId as DocId),
          log,
        })
      : null
  app.use('/api/docs/:docId/versions', versionsRoutes(history, authenticator, originOf))
  app.use('/api/docs/:docId/threads', threadsRoutes({ comments, authenticator, clientAddress }))
  app.use(
    '/api/docs/:docId/files',
    filesRoutes({ files, authenticator, clientAddress, maxUploadBytes: limits.maxUploadBytes }),
  )
  app.use(
    '/api/docs',
    docsRoutes({
      documents,
      authenticator,
      authSecret: options.authSecret,
      maxBodyBytes: limits.maxFrameBytes,
      comments,
      originOf,
      isSignInOn: signIn !== null,
    }),
  )
  serveWebApp(app)
  app.use((_request: Request, response: Response) => sendError(response, 404, ErrorCode.NotFound, 'no such route'))
  app.use(errorHandler(log))

  // SSE, long-poll and POST for clients whose network blocks WebSockets (docs/protocol.md), served
  // ahead of express: a long-polling client makes a request per delivery, which needs neither the
  // API routers nor a line in the request log (thousands a second); sessions log when they open and
  // end. Everything else, CORS preflights included, goes to the express app.
  // One count per address across WebSockets, HTTP sessions and signalling: the cap is for them all.
  const connections = new ConnectionLimiter(limits.maxConnectionsPerAddress, limits.connectionAttemptsPerSecond)
  const transports = httpTransports({
    clientAddress,
    connections,
    registry,
    authenticator,
    limits,
    log,
    metrics,
    maxBodyBytes: limits.maxInitialSyncBytes + 64 * 1024,
    isDraining: () => isDraining,
    guard: (request, response) => applyCorsHeaders(options.allowedOrigins, request, response),
    threads: threadFeed,
  })
  const httpServer = http.createServer((request, response) => {
    if (!transports(request, response)) app(request, response)
  })
  httpServer.on('clientError', (error, socket) => {
    log.debug({ err: error }, 'malformed HTTP request')
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
  })
  const webSockets = new WebSocketBinding(httpServer, {
    registry,
    log,
    metrics,
    maxPayloadBytes: limits.maxInitialSyncBytes,
    maxSendBufferBytes: limits.maxSendBufferBytes,
    heartbeatIntervalMs: limits.heartbeatIntervalMs,
    isDraining: () => isDraining,
    isOriginAllowed: (origin) => isOriginAllowed(options.allowedOrigins, origin),
    authenticator,
    limits,
    clientAddress,
    connections,
    threads: threadFeed,
  })
  // WebRTC signalling and the presence relay share the port through the binding's upgrade seam.
  const signalling = new SignallingBinding({
    ...options.signalling,
    isSingleInstance: pubsub.kind === 'local',
    authenticator,
    log,
    metrics,
    heartbeatIntervalMs: limits.heartbeatIntervalMs,
    isDraining: () => isDraining,
    isOriginAllowed: (origin) => isOriginAllowed(options.allowedOrigins, origin),
    clientAddress,
    connections,
  })
  webSockets.addUpgradeHandler(signalling.handleUpgrade)

  let closing: Promise<void> | null = null
  const server: TandemServer = {
    app,
    httpServer,
    store,
    pubsub,
    registry,
    documents,
    history,
    comments,
    files,
    revocations,
    metrics,
    log,
    webhooks: webhooks.notifier,
    threadFeed,
    signIn,
    listen: () =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject)
        httpServer.listen(options.port ?? 1234, options.host ?? '127.0.0.1', () => {
          httpServer.off('error', reject)
          const { port } = httpServer.address() as AddressInfo
          const host = options.host ?? '127.0.0.1'
          const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
          log.info({ url, storage: store.kind, version: VERSION }, 'tandem listening')
          resolve({ port, url })
        })
      }),
    close: () => {
      closing ??= (async () => {
        isDraining = true
        revocationWatcher?.stop()
        log.info('draining: closing clients with 1012')
        const deadline = new Promise<'timeout'>((resolve) =>
          setTimeout(resolve, limits.shutdownDeadlineMs, 'timeout').unref(),
        )
        // Each step is guarded so a failure in one does not skip the ones after it.
        const drained = await Promise.race([
          registry.closeAll(CloseCode.ServiceRestart, closeReason(ErrorCode.ServerShuttingDown, 'reconnect')),
          deadline,
        ]).catch((error: unknown) => log.error({ err: error }, 'closing rooms failed'))
        if (drained === 'timeout') log.error('shutdown deadline passed with commits still pending')
        threadFeed.close()
        webSockets.close()
        signalling.close()
        await new Promise<void>((resolve) => {
          httpServer.close(() => resolve())
          httpServer.closeAllConnections()
        })
        // After the rooms' last commits (their document.changed events) and the last HTTP request.
        await webhooks.close().catch((error: unknown) => log.error({ err: error }, 'closing webhooks failed'))
        await pubsub.close().catch((error: unknown) => log.error({ err: error }, 'closing pub/sub failed'))
        // Every store (documents, versions, revocations) closes with the storage that opened them.
        await storage.close().catch((error: unknown) => log.error({ err: error }, 'closing storage failed'))
        await compactionWorker.close()
        log.info('stopped')
      })()
      return closing
    },
  }
  return server
}

/**
 * Storage and fan-out as configured. Both must be reachable at start: starting without a feature the
 * operator asked for would be worse than not starting (an instance outside the others' fan-out
 * serves a split view). Messages name the setting, never its value (URLs may carry passwords).
 */
async function openBackends(options: ServerOptions, log: Logger): Promise<{ storage: StorageBackend; pubsub: PubSub }> {
  const storage =
    options.storage ?? (options.store ? createMemoryStorage({ docs: options.store }) : await openStorage(options, log))
  try {
    const pubsub =
      options.pubsub ?? (options.redisUrl ? await createRedisPubSub({ url: options.redisUrl, log }) : new LocalPubSub())
    return { storage, pubsub }
  } catch (error) {
    if (ownsStorage(options)) await storage.close().catch(() => undefined)
    throw new Error(`cannot reach Redis at REDIS_URL: ${errorMessage(error)}`)
  }
}

/** A start that failed after openBackends: closes what this server opened itself (not what it was given). */
async function closeOwnedBackends(options: ServerOptions, storage: StorageBackend, pubsub: PubSub): Promise<void> {
  if (!options.pubsub) await pubsub.close().catch(() => undefined)
  if (ownsStorage(options)) await storage.close().catch(() => undefined)
}

/** Storage the server opened itself (rather than was given). */
function ownsStorage(options: ServerOptions): boolean {
  return !options.storage && !options.store
}

/**
 * With AUTH_SECRET: the revocation list beside the documents, loaded before the first request so a
 * restarted instance never accepts a revoked token, then polled. Fails the start like storage does.
 */
async function openRevocations(
  options: ServerOptions,
  storage: StorageBackend,
  limits: ServerLimits,
  log: Logger,
): Promise<{ revocations: RevocationStore | null; revocationWatcher: RevocationWatcher | null }> {
  if (!options.authSecret) return { revocations: null, revocationWatcher: null }
  try {
    const revocations = options.revocations ?? storage.revocations
    const revocationWatcher = new RevocationWatcher({ store: revocations, pollMs: limits.revocationPollMs, log })
    await revocationWatcher.start()
    return { revocations, revocationWatcher }
  } catch (error) {
    throw new Error(`cannot read token revocations: ${errorMessage(error)}`)
  }
}

/** 'ok', or 'failed' (the reason goes to the log, not to an unauthenticated endpoint). */
async function probe(name: string, check: () => Promise<void>, log: Logger): Promise<string> {
  try {
    await check()
    return 'ok'
  } catch (error) {
    log.warn({ check: name, err: error }, 'readiness check failed')
    return 'failed'
  }
}

/** The built web app (npm run build) is served at / with /d/<docId> routed to its index.html. */
function serveWebApp(app: Express): void {
  const dist = [WEB_APP_DIST, WEB_APP_DIST_FROM_SOURCE].find((dir) => existsSync(path.join(dir, 'index.html')))
  if (!dist) {
    app.get('/', (_request, response) => {
      response
        .type('text/plain')
        .send('Tandem sync server is running. The web app is not built: run `npm run build` and restart.\n')
    })
    return
  }
  // Compressed (the editor's JavaScript is ~870 KB, ~270 KB gzipped); only here, never on streams.
  const compress = compression()
  // Vite names assets by content hash, so they can be cached for good; index.html must be
  // revalidated, or a browser would keep an old page pointing at assets a deploy removed.
  app.use(
    compress,
    express.static(dist, {
      index: false,
      setHeaders: (response, file) =>
        response.setHeader(
          'Cache-Control',
          file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        ),
    }),
  )
  app.get(['/', '/d/:docId'], compress, (_request, response) =>
    response.set('Cache-Control', 'no-cache').sendFile(path.join(dist, 'index.html')),
  )
}

function requestLog(log: Logger) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (request.path === '/healthz' || request.path === '/readyz' || request.path === '/metrics') return next()
    const startedAt = performance.now()
    response.on('finish', () => {
      log.info(
        {
          method: request.method,
          path: loggablePath(request.originalUrl),
          status: response.statusCode,
          ms: Math.round(performance.now() - startedAt),
        },
        'http request',
      )
    })
    next()
  }
}
