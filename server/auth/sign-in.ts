import type { Express } from 'express'
import { authRoutes } from '../http/auth-routes.js'
import { mentionsRoutes } from '../http/mentions-routes.js'
import { myDocumentsRoutes, sharingRoutes } from '../http/sharing-routes.js'
import type { Logger } from '../logger.js'
import { MentionInbox } from '../mentions/mention-inbox.js'
import { SharingService } from '../people/sharing-service.js'
import type { StorageBackend } from '../storage/storage-backend.js'
import type { DocInfo } from '../storage/doc-store.js'
import { OidcClient, type OidcSettings } from './oidc-client.js'
import type { RevocationStore } from './revocation-store.js'
import { SessionService } from './session-service.js'
import { SESSION_TTL_MS, SIGN_IN_TOKEN_TTL_SECONDS } from './sign-in-limits.js'

/** Sign-in as createServer takes it (server/cli.ts builds it from OIDC_*, PUBLIC_URL and ADMIN_EMAILS). */
export interface SignInSettings extends OidcSettings {
  /** ADMIN_EMAILS: administrators see every document and may transfer ownership. */
  adminEmails?: string[]
  /** How long a session lasts (default SESSION_TTL_MS). */
  sessionTtlMs?: number
  /** Lifetime of the document tokens signed-in browsers fetch (default SIGN_IN_TOKEN_TTL_SECONDS). */
  tokenTtlSeconds?: number
}

/** What the rest of the server (and tests) may reach of sign-in. */
export interface SignIn {
  readonly sessions: SessionService
  readonly sharing: SharingService
  readonly oidc: OidcClient
}

export interface MountSignInOptions {
  settings: SignInSettings
  authSecret: string
  storage: StorageBackend
  revocations: RevocationStore
  documents: { list(): Promise<DocInfo[]> }
  documentExists(docId: string): Promise<boolean>
  /** One document's facts (the Mentions inbox shows titles), or null when it does not exist. */
  documentInfo(docId: string): Promise<DocInfo | null>
  log: Logger
}

/**
 * Mounts /auth, /api/me (documents, mentions) and /api/docs/:docId/sharing on `app` (ahead of the document routes) and
 * starts discovering the provider. Only called with OIDC_ISSUER set: without it nothing changes.
 */
export function mountSignIn(app: Express, options: MountSignInOptions): SignIn {
  const { settings, storage, log } = options
  const publicUrl = settings.publicUrl.replace(/\/+$/, '')
  const oidc = new OidcClient({ ...settings, publicUrl }, log)
  const sessions = new SessionService({
    sessions: storage.sessions,
    people: storage.people,
    ttlMs: settings.sessionTtlMs ?? SESSION_TTL_MS,
    isSecure: publicUrl.startsWith('https:'),
    adminEmails: new Set((settings.adminEmails ?? []).map((email) => email.toLowerCase())),
  })
  const sharing = new SharingService({
    people: storage.people,
    revocations: options.revocations,
    documentExists: options.documentExists,
  })
  app.use(
    '/auth',
    authRoutes({
      oidc,
      sessions,
      sharing,
      people: storage.people,
      revocations: options.revocations,
      authSecret: options.authSecret,
      publicUrl,
      tokenTtlSeconds: settings.tokenTtlSeconds ?? SIGN_IN_TOKEN_TTL_SECONDS,
      log,
    }),
  )
  const inbox = new MentionInbox({
    store: storage.mentions,
    sharing,
    documentInfo: (docId) => options.documentInfo(docId),
  })
  app.use('/api/me/mentions', mentionsRoutes({ sessions, inbox }))
  app.use('/api/me', myDocumentsRoutes({ sessions, sharing, documents: options.documents }))
  app.use('/api/docs/:docId/sharing', sharingRoutes({ sessions, sharing, documents: options.documents }))
  void oidc.warm()
  return { sessions, sharing, oidc }
}
