import express, { type Request, type Response, type Router } from 'express'
import { z } from 'zod'
import { errorMessage } from '../../shared/errors.js'
import { readCookies, serializeCookie } from '../auth/cookies.js'
import { LoginStateSealer, safeReturnPath } from '../auth/login-state.js'
import type { OidcClient } from '../auth/oidc-client.js'
import { RevocationKind, type RevocationStore } from '../auth/revocation-store.js'
import type { SessionService, SignedIn } from '../auth/session-service.js'
import { LOGIN_STATE_TTL_SECONDS } from '../auth/sign-in-limits.js'
import { mintToken } from '../auth/tokens.js'
import type { Logger } from '../logger.js'
import { colourFor } from '../people/person-colour.js'
import type { PeopleStore } from '../people/people-store.js'
import { summary, type SharingService, type Viewer } from '../people/sharing-service.js'
import { checkDocId } from '../documents/document-service.js'
import { parse } from './docs-routes.js'

export interface AuthRoutesOptions {
  oidc: OidcClient
  sessions: SessionService
  sharing: SharingService
  people: PeopleStore
  revocations: RevocationStore
  /** AUTH_SECRET: signs the document tokens and (derived) seals the login state. */
  authSecret: string
  /** PUBLIC_URL, without a trailing slash. */
  publicUrl: string
  tokenTtlSeconds: number
  log: Logger
  now?: () => number
}

const tokenBody = z.object({ docId: z.string() }).strict()
const logoutBody = z.object({ everywhere: z.boolean().optional() }).strict()

/**
 * Sign-in (with OIDC_ISSUER): GET /auth/login, GET /auth/callback, POST /auth/logout, GET
 * /auth/session, POST /auth/token. The session cookie authorises only these and the sharing routes;
 * documents are reached with the short-lived tokens /auth/token mints, so every transport keeps its
 * one check (docs/security.md, "Sign-in and sharing").
 */
export function authRoutes(options: AuthRoutesOptions): Router {
  const { oidc, sessions, log } = options
  const sealer = new LoginStateSealer(options.authSecret)
  const isSecure = options.publicUrl.startsWith('https:')
  const loginCookie = isSecure ? '__Host-tandem_login' : 'tandem_login'
  const now = options.now ?? Date.now
  const router = express.Router()
  router.use(express.json({ limit: 4096 }))

  router.get('/login', async (request, response) => {
    const checks = await oidc.newChecks()
    const returnTo = safeReturnPath(request.query.returnTo)
    let destination: URL
    try {
      destination = await oidc.authorizationUrl(checks)
    } catch (error) {
      log.error({ err: error }, 'sign-in could not start')
      sendSignInFailure(response, 503, 'The sign-in provider cannot be reached. Try again in a moment.')
      return
    }
    const sealed = await sealer.seal({ ...checks, returnTo }, LOGIN_STATE_TTL_SECONDS)
    response
      .set('Cache-Control', 'no-store')
      .append('Set-Cookie', serializeCookie(loginCookie, sealed, { maxAgeSeconds: LOGIN_STATE_TTL_SECONDS, isSecure }))
      .redirect(303, destination.href)
  })

  router.get('/callback', async (request, response) => {
    response.set('Cache-Control', 'no-store')
    // Single use: whatever happens next, this sign-in's state is spent.
    response.append('Set-Cookie', serializeCookie(loginCookie, '', { maxAgeSeconds: 0, isSecure }))
    const state = await sealer.open(readCookies(request).get(loginCookie))
    if (!state) {
      sendSignInFailure(response, 400, 'This sign-in expired or began in another browser. Sign in again.')
      return
    }
    const search = new URL(request.originalUrl, 'http://callback').search
    let result
    try {
      result = await oidc.finish(search, state)
    } catch (error) {
      // A forged or replayed callback lands here as well as a provider's refusal; all are the user's to retry.
      log.warn({ reason: signInFailure(error) }, 'sign-in refused')
      sendSignInFailure(response, 400, 'Sign-in did not complete. Sign in again.')
      return
    }
    const person = await options.people.savePerson(
      { id: result.subject, name: result.name, email: result.email, colour: colourFor(result.subject) },
      now(),
    )
    // A new session each time (no fixation): a session this browser held before ends.
    const previous = await sessions.read(request)
    if (previous) await sessions.end(previous)
    const { setCookie } = await sessions.start(person.id, result.idToken)
    log.info({ personId: person.id }, 'signed in')
    response.append('Set-Cookie', setCookie).redirect(303, state.returnTo)
  })

  router.get('/session', async (request, response) => {
    response.set('Cache-Control', 'no-store')
    const signedIn = await sessions.read(request)
    if (!signedIn) {
      response.json({ signedIn: false })
      return
    }
    response.json({
      signedIn: true,
      person: summary(signedIn.person),
      isAdmin: signedIn.isAdmin,
      csrfToken: signedIn.session.csrfToken,
      expiresAt: new Date(signedIn.session.expiresAt).toISOString(),
    })
  })

  router.post('/logout', async (request, response) => {
    const signedIn = await sessions.require(request)
    sessions.checkCsrf(request, signedIn)
    const body = parse(logoutBody, request.body ?? {})
    await sessions.end(signedIn)
    if (body.everywhere) {
      await sessions.endEverywhere(signedIn.person.id)
      // Their tokens too, so open documents on every device close within the revocation poll.
      await options.revocations.add({
        kind: RevocationKind.User,
        subject: signedIn.person.id,
        revokedAt: now(),
        expiresAt: null,
      })
    }
    log.info({ personId: signedIn.person.id, everywhere: body.everywhere === true }, 'signed out')
    const redirectTo = (await oidc.endSessionUrl(signedIn.session.idToken, `${options.publicUrl}/`)) ?? '/'
    response.set('Cache-Control', 'no-store').append('Set-Cookie', sessions.clearCookie()).json({ redirectTo })
  })

  /**
   * A document token for the role the caller holds: signed in (with the CSRF header: minting may claim
   * a new document), or through the document's link without signing in.
   */
  router.post('/token', async (request, response) => {
    response.set('Cache-Control', 'no-store')
    const docId = checkDocId(parse(tokenBody, request.body ?? {}).docId)
    const signedIn = await sessions.read(request)
    if (signedIn) sessions.checkCsrf(request, signedIn)
    const viewer = viewerOf(signedIn)
    const role = await options.sharing.roleForToken(viewer, docId)
    const issuedAt = millisecondTime(now())
    const token = await mintToken({
      secret: options.authSecret,
      doc: docId,
      role,
      ttlSeconds: options.tokenTtlSeconds,
      name: signedIn?.person.name,
      userId: signedIn?.person.id,
      issuedAt,
    })
    response.json({
      token,
      role,
      signedIn: signedIn !== null,
      expiresAt: new Date(Math.floor(issuedAt / 1000) * 1000 + options.tokenTtlSeconds * 1000).toISOString(),
    })
  })

  return router
}

/** The sharing rules' view of a request. */
export function viewerOf(signedIn: SignedIn | null): Viewer {
  return signedIn ? { person: signedIn.person, isAdmin: signedIn.isAdmin } : null
}

/**
 * Now, never on a whole second: revocations read a whole-second `iat` as "any time in that second"
 * (revocation-watcher.ts), which would refuse a token fetched in the same second as a sharing change.
 */
function millisecondTime(time: number): number {
  return time % 1000 === 0 ? time + 1 : time
}

/**
 * Why openid-client refused, in one line for the log: the provider's OAuth error (`invalid_grant` for
 * a used code) or the check that failed (its cause says which: a wrong `state`, a bad ID token).
 */
function signInFailure(error: unknown): string {
  const parts: string[] = []
  for (let current: unknown = error; current instanceof Error && parts.length < 4; current = current.cause) {
    const oauth = current as Error & { error?: unknown; error_description?: unknown }
    parts.push(errorMessage(current))
    if (typeof oauth.error === 'string') parts.push(oauth.error)
    if (typeof oauth.error_description === 'string') parts.push(oauth.error_description)
  }
  return parts.join(': ')
}

/** A page (the browser is mid-redirect, not a script), saying what happened and offering to retry. */
function sendSignInFailure(response: Response, status: number, message: string): void {
  response
    .status(status)
    .type('html')
    .send(
      `<!doctype html><meta charset="utf-8"><title>Sign-in failed</title>` +
        `<p>${message}</p><p><a href="/auth/login">Sign in</a> · <a href="/">Documents</a></p>`,
    )
}

export function requestDocId(request: Request): string {
  return checkDocId(String(request.params.docId))
}
