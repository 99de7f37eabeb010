import express, { type Router } from 'express'
import { z } from 'zod'
import type { SessionService } from '../auth/session-service.js'
import { MAX_INBOX_PAGE, MAX_MARK_READ_IDS, type MentionInbox } from '../mentions/mention-inbox.js'
import { viewerOf } from './auth-routes.js'
import { parse } from './docs-routes.js'

/** A page of the inbox when the request names no limit. */
const DEFAULT_PAGE = 20

const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_INBOX_PAGE).default(DEFAULT_PAGE),
  // A page's `next`: the stores' sequence numbers.
  before: z
    .string()
    .regex(/^\d{1,15}$/)
    .optional(),
})
const readBody = z.object({ ids: z.array(z.string().max(64)).min(1).max(MAX_MARK_READ_IDS) }).strict()

export interface MentionsRoutesOptions {
  sessions: SessionService
  inbox: MentionInbox
}

/**
 * The signed-in person's "Mentions", authorised by the session cookie (with OIDC_ISSUER), mounted at
 * /api/me/mentions: GET ?limit=&before= (newest first) and POST /read { ids } (X-CSRF-Token).
 */
export function mentionsRoutes({ sessions, inbox }: MentionsRoutesOptions): Router {
  const router = express.Router()
  router.use(express.json({ limit: 8192 }))

  router.get('/', async (request, response) => {
    const viewer = viewerOf(await sessions.require(request))!
    const { limit, before } = parse(pageQuery, { limit: request.query.limit, before: request.query.before })
    response.set('Cache-Control', 'no-store').json(await inbox.page(viewer, { limit, before }))
  })

  router.post('/read', async (request, response) => {
    const signedIn = await sessions.require(request)
    sessions.checkCsrf(request, signedIn)
    const { ids } = parse(readBody, request.body ?? {})
    response.json({ unreadCount: await inbox.markRead(viewerOf(signedIn)!, ids) })
  })

  return router
}
