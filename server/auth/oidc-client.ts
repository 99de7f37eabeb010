import * as openid from 'openid-client'
import { errorMessage } from '../../shared/errors.js'
import type { Logger } from '../logger.js'

/** The provider and this server's registration with it (OIDC_* and PUBLIC_URL, docs/operations.md). */
export interface OidcSettings {
  /** OIDC_ISSUER: the provider's issuer URL; discovery reads `<issuer>/.well-known/openid-configuration`. */
  issuer: string
  /** OIDC_CLIENT_ID */
  clientId: string
  /** OIDC_CLIENT_SECRET: this server is a confidential client (the secret never reaches a browser). */
  clientSecret: string
  /** PUBLIC_URL: where browsers reach this server; the redirect URI is `<publicUrl>/auth/callback`. */
  publicUrl: string
  /** OIDC_SCOPES: `openid` is always asked for; default `openid profile email`. */
  scopes?: string
}

export const DEFAULT_OIDC_SCOPES = 'openid profile email'

/** What the callback learned about the person from the validated ID token. */
export interface SignInResult {
  /** The ID token's `sub`. */
  subject: string
  name: string
  /** Lowercased; null without one, or when the provider says it is unverified. */
  email: string | null
  /** The raw ID token, kept for `id_token_hint` at logout. */
  idToken: string
}

/** The checks one sign-in carries from /auth/login to /auth/callback (login-state.ts keeps them). */
export interface AuthorizationChecks {
  state: string
  nonce: string
  codeVerifier: string
}

/**
 * The OpenID Connect relying party, on openid-client (certified): discovery, the authorization code
 * flow with PKCE (S256), state and nonce, ID token validation (signature against the provider's
 * JWKS, issuer, audience, expiry, nonce) and RP-initiated logout. Discovery is retried on use when
 * the provider was unreachable at start, so a server can start while its provider restarts.
 */
export class OidcClient {
  private configuration: Promise<openid.Configuration> | null = null

  constructor(
    private readonly settings: OidcSettings,
    private readonly log: Logger,
  ) {}

  /** `<PUBLIC_URL>/auth/callback`, exactly as registered with the provider. */
  get redirectUri(): string {
    return `${this.settings.publicUrl.replace(/\/+$/, '')}/auth/callback`
  }

  /** Discovers the provider now (at start) so the first sign-in does not wait; a failure is logged, not fatal. */
  async warm(): Promise<void> {
    await this.config().catch((error: unknown) =>
      this.log.warn(
        { err: error, issuer: this.settings.issuer },
        'OIDC discovery failed; retrying at the first sign-in',
      ),
    )
  }

  /** Fresh checks for one sign-in. */
  async newChecks(): Promise<AuthorizationChecks> {
    return {
      state: openid.randomState(),
      nonce: openid.randomNonce(),
      codeVerifier: openid.randomPKCECodeVerifier(),
    }
  }

  /** The provider's authorization URL to send the browser to. */
  async authorizationUrl(checks: AuthorizationChecks): Promise<URL> {
    const config = await this.config()
    return openid.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: scopesWithOpenid(this.settings.scopes ?? DEFAULT_OIDC_SCOPES),
      code_challenge: await openid.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      state: checks.state,
      nonce: checks.nonce,
    })
  }

  /**
   * Validates the callback (`search` is its query string) against the checks, redeems the code with
   * the PKCE verifier and validates the ID token. Throws (openid-client's errors) on a wrong state,
   * a provider error, a used or forged code, or an ID token that fails any check.
   */
  async finish(search: string, checks: AuthorizationChecks): Promise<SignInResult> {
    const config = await this.config()
    const currentUrl = new URL(this.redirectUri)
    currentUrl.search = search
    const tokens = await openid.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    })
    const idClaims = tokens.claims()
    if (!idClaims || !tokens.id_token) throw new Error('the provider returned no ID token')
    let claims: Record<string, unknown> & { sub: string } = idClaims
    // Providers may keep profile and email claims for the UserInfo endpoint (the spec's default when an
    // access token is issued); openid-client checks its `sub` equals the ID token's.
    if ((claims.email === undefined || claims.name === undefined) && config.serverMetadata().userinfo_endpoint) {
      claims = { ...(await openid.fetchUserInfo(config, tokens.access_token, idClaims.sub)), ...idClaims }
    }
    // Tokens carry the person's id as `sub`, at most 200 characters (tokens.ts); real providers' are far shorter.
    if (claims.sub.length > 200) throw new Error("the provider's subject identifier is longer than 200 characters")
    const email =
      typeof claims.email === 'string' && claims.email_verified !== false ? claims.email.toLowerCase() : null
    return {
      subject: claims.sub,
      name: displayName(claims, email),
      email,
      idToken: tokens.id_token,
    }
  }

  /**
   * Where to send the browser after signing out here: the provider's end_session_endpoint (so the
   * provider's own session ends too) when it has one, else null.
   */
  async endSessionUrl(idToken: string | null, postLogoutRedirect: string): Promise<string | null> {
    const config = await this.config().catch(() => null)
    if (!config?.serverMetadata().end_session_endpoint) return null
    const parameters: Record<string, string> = {
      client_id: this.settings.clientId,
      post_logout_redirect_uri: postLogoutRedirect,
    }
    if (idToken) parameters.id_token_hint = idToken
    return openid.buildEndSessionUrl(config, parameters).href
  }

  private config(): Promise<openid.Configuration> {
    this.configuration ??= this.discover().catch((error: unknown) => {
      this.configuration = null
      throw new Error(`cannot discover the OpenID provider at OIDC_ISSUER: ${errorMessage(error)}`)
    })
    return this.configuration
  }

  private discover(): Promise<openid.Configuration> {
    const issuer = new URL(this.settings.issuer)
    // Plain http only for a provider on this machine (development, tests); config.ts refuses others.
    const execute = issuer.protocol === 'http:' ? [openid.allowInsecureRequests] : []
    return openid.discovery(issuer, this.settings.clientId, this.settings.clientSecret, undefined, { execute })
  }
}

function scopesWithOpenid(scopes: string): string {
  const list = scopes.split(/[\s,]+/).filter(Boolean)
  return (list.includes('openid') ? list : ['openid', ...list]).join(' ')
}

/** The name others see: the provider's `name`, else its username, else the email's local part. */
function displayName(claims: Record<string, unknown> & { sub: string }, email: string | null): string {
  for (const candidate of [claims.name, claims.preferred_username, claims.nickname]) {
    if (typeof candidate === 'string' && candidate.trim() !== '') return candidate.trim().slice(0, 100)
  }
  return email?.split('@')[0] ?? `user-${claims.sub.slice(0, 8)}`
}
