import express, { type Request, type Response, type Router } from 'express'
import { z } from 'zod'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import {
  CONTENT_FORMATS,
  CONTENT_TYPES,
  isSuggestionsView,
  SUGGESTION_VIEWS,
  type ContentFormat,
} from '../content/formats.js'
import { docPatternMatches, mintToken } from '../auth/tokens.js'
import { ROLES } from '../../shared/roles.js'
import { requestToken } from './request-token.js'
import type { RequestOriginOf } from './client-address.js'
import { requireEdit, type Authenticator, type Principal } from '../auth/authenticator.js'
import { checkDocId, MAX_TITLE_LENGTH, newDocId, type DocumentService } from '../documents/document-service.js'
import type { DocInfo } from '../storage/doc-store.js'
import type { Thread } from '../../shared/comments.js'

const createBody = z
  .object({
    id: z.string().optional(),
    title: z.string().max(MAX_TITLE_LENGTH).optional(),
    markdown: z.string().optional(),
    html: z.string().optional(),
  })
  .strict()
  .refine((body) => body.markdown === undefined || body.html === undefined, 'give markdown or html, not both')

const patchBody = z.object({ title: z.string().max(MAX_TITLE_LENGTH) }).strict()

const shareBody = z
  .object({
    role: z.enum(ROLES),
    ttlSeconds: z
      .number()
      .int()
      .positive()
      .max(365 * 24 * 3600)
      .optional(),
  })
  .strict()

export interface DocsRoutesOptions {
  documents: DocumentService
  authenticator: Authenticator
  /** Set when AUTH_SECRET is: lets edit holders mint share links. */
  authSecret: string | undefined
  maxBodyBytes: number
  /** For `?comments=1` on content exports: the document's threads. */
  comments?: { threadsOf(docId: string): Promise<Thread[]> }
  /** Content exports resolve uploaded images' URLs against the request's origin (client-address.ts). */
  originOf?: RequestOriginOf
  /**
   * True with sign-in (OIDC_ISSUER): who may share is the owner's choice (server/people), so editors
   * do not mint bearer links here; the document's link setting replaces them.
   */
  isSignInOn?: boolean
}

/**
 * REST: GET/POST /api/docs, GET/PATCH/DELETE /api/docs/:docId, GET /api/docs/:docId/content,
 * GET /api/docs/:docId/access, POST /api/docs/:docId/share. With auth on, every route needs a
 * token (`Authorization: Bearer`, or `?token=` on GET so plain download links work); writes need
 * the `edit` role.
 */
export function docsRoutes({
  documents,
  authenticator,
  authSecret,
  maxBodyBytes,
  comments,
  originOf,
  isSignInOn = false,
}: DocsRoutesOptions): Router {
  const router = express.Router()
  router.use(express.json({ limit: maxBodyBytes }))

  const principalFor = (request: Request): Promise<Principal> => authenticator.authenticate(requestToken(request))
  const authorize = (request: Request): Promise<Principal> =>
    authenticator.authorize(requestToken(request), checkDocId(param(request)))

  router.get('/', async (request, response) => {
    const principal = await principalFor(request)
    const docs = (await documents.list()).filter((d) => docPatternMatches(principal.docPattern, d.docId))
    response.json({ documents: docs.map(toJson) })
  })

  router.post('/', async (request, response) => {
    const principal = await principalFor(request)
    requireEdit(principal, 'create documents')
    const body = parse(createBody, request.body ?? {})
    body.id ??= principal.docPattern === '*' ? newDocId() : undefined
    if (body.id === undefined || !docPatternMatches(principal.docPattern, body.id)) {
      throw new SyncError(ErrorCode.Forbidden, `token does not grant creating ${body.id ?? 'a document with a new id'}`)
    }
    const content =
      body.markdown !== undefined
        ? { source: body.markdown, format: 'markdown' as const }
        : body.html !== undefined
          ? { source: body.html, format: 'html' as const }
          : undefined
    const info = await documents.create({ docId: body.id, title: body.title, content })
    response.status(201).location(`/api/docs/${info.docId}`).json(toJson(info))
  })

  router.get('/:docId', async (request, response) => {
    await authorize(request)
    response.json(toJson(await documents.info(param(request))))
  })

  router.patch('/:docId', async (request, response) => {
    requireEdit(await authorize(request), 'rename documents')
    const body = parse(patchBody, request.body ?? {})
    response.json(toJson(await documents.rename(param(request), body.title)))
  })

  router.delete('/:docId', async (request, response) => {
    requireEdit(await authorize(request), 'delete documents')
    await documents.delete(param(request))
    response.status(204).end()
  })

  /** What the caller may do with this document (the editor shows "view only" before any edit). */
  router.get('/:docId/access', async (request, response) => {
    const principal = await authorize(request)
    response.json({
      role: principal.role,
      name: principal.name ?? null,
      expiresAt: Number.isFinite(principal.expiresAt) ? new Date(principal.expiresAt).toISOString() : null,
      authRequired: authenticator.isEnabled,
    })
  })

  /** Edit holders mint share links: a token for this one document with the role asked for. */
  router.post('/:docId/share', async (request, response) => {
    const principal = await authorize(request)
    requireEdit(principal, 'share documents')
    if (isSignInOn) {
      throw new SyncError(
        ErrorCode.Forbidden,
        'with sign-in, share with people or turn the link on in the sharing settings (/api/docs/<docId>/sharing)',
      )
    }
    const body = parse(shareBody, request.body ?? {})
    if (!authSecret) {
      response.json({ token: null, role: body.role })
      return
    }
    const token = await mintToken({
      secret: authSecret,
      doc: param(request),
      role: body.role,
      ttlSeconds: body.ttlSeconds,
    })
    response.json({ token, role: body.role })
  })

  router.get('/:docId/content', async (request: Request, response: Response) => {
    await authorize(request)
    const format = (request.query.format ?? 'markdown') as ContentFormat
    if (!CONTENT_FORMATS.includes(format)) {
      throw new SyncError(ErrorCode.BadRequest, `format must be one of ${CONTENT_FORMATS.join(', ')}`)
    }
    // Pending suggestions read as rejected unless asked otherwise.
    const suggestions = request.query.suggestions ?? 'reject'
    if (!isSuggestionsView(suggestions)) {
      throw new SyncError(
        ErrorCode.BadRequest,
        `suggestions must be one of ${SUGGESTION_VIEWS.join(', ')} (as if rejected, as if accepted, or marked)`,
      )
    }
    // Comments are left out unless asked for: an export is the document's text first.
    const withComments = request.query.comments === '1' || request.query.comments === 'true'
    const threads = withComments && comments ? await comments.threadsOf(param(request)) : undefined
    // Uploaded images become absolute URLs on this server (without any token: a reader of the
    // export needs their own access), so Markdown and HTML still show them once saved elsewhere.
    const imageBaseUrl = originOf?.(request)
    const { etag, body } = await documents.render(param(request), format, request.get('if-none-match'), threads, {
      imageBaseUrl,
      suggestions,
    })
    response.set('ETag', etag).set('Cache-Control', 'no-cache')
    if (body === null) {
      response.status(304).end()
      return
    }
    response.type(CONTENT_TYPES[format]).send(body)
  })

  return router
}

export function param(request: Request): string {
  return String(request.params.docId)
}

export function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value)
  if (!result.success) {
    const problems = result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    throw new SyncError(ErrorCode.BadRequest, problems.join('; '))
  }
  return result.data
}

/** A document as a list names it (the signed-in person's lists); GET /api/docs adds its size. */
export function listedDocumentJson(info: DocInfo) {
  return {
    id: info.docId,
    title: info.title,
    createdAt: new Date(info.createdAt).toISOString(),
    updatedAt: new Date(info.updatedAt).toISOString(),
  }
}

function toJson(info: DocInfo) {
  return { ...listedDocumentJson(info), sizeBytes: info.sizeBytes }
}
