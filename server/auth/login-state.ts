import { hkdfSync } from 'node:crypto'
import { EncryptJWT, jwtDecrypt } from 'jose'
import { z } from 'zod'

/** What the callback must check the provider's answer against, kept in the browser between the two. */
export interface LoginState {
  /** The `state` sent to the provider: the callback's must equal it (a forged callback has another). */
  state: string
  /** The `nonce` sent: the ID token must carry it (a token replayed from another sign-in does not). */
  nonce: string
  /** PKCE: the code is worth nothing to whoever intercepts it without this. */
  codeVerifier: string
  /** Where the app was when sign-in began (a path on this server). */
  returnTo: string
}

const loginStateSchema = z.object({
  state: z.string().min(1),
  nonce: z.string().min(1),
  codeVerifier: z.string().min(43),
  returnTo: z.string(),
})

/**
 * Seals the login state into a cookie value (encrypted and authenticated with a key derived from
 * AUTH_SECRET), so the callback may land on any instance and nothing is stored for sign-ins that
 * are never finished. The cookie lives `ttlSeconds`; the provider's code is single-use anyway.
 */
export class LoginStateSealer {
  private readonly key: Uint8Array

  constructor(secret: string) {
    // A key of its own: the tokens' signing key is never used to encrypt.
    this.key = new Uint8Array(hkdfSync('sha256', secret, 'tandem', 'tandem sign-in state', 32))
  }

  seal(state: LoginState, ttlSeconds: number): Promise<string> {
    return new EncryptJWT({ ...state })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .encrypt(this.key)
  }

  /** The state, or null when the value is missing, expired, tampered with or from another server. */
  async open(sealed: string | undefined): Promise<LoginState | null> {
    if (!sealed) return null
    try {
      const { payload } = await jwtDecrypt(sealed, this.key, { keyManagementAlgorithms: ['dir'] })
      const parsed = loginStateSchema.safeParse(payload)
      return parsed.success ? parsed.data : null
    } catch {
      return null
    }
  }
}

/** A path on this server to return to after sign-in; anything else (another origin, `//host`) is `/`. */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return '/'
  }
  return value.length > 2000 ? '/' : value
}
