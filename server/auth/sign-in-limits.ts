/** How long a sign-in lasts: a working week and the weekend, so Monday does not start at the provider. */
export const SESSION_TTL_MS = 7 * 24 * 60 * 60_000

/**
 * Lifetime of the document tokens a signed-in browser fetches. Short, because a token is what every
 * transport checks and sharing changes act through revocation; the app fetches a new one in-band
 * whenever a connection ends for an expired token, so a writer never notices.
 */
export const SIGN_IN_TOKEN_TTL_SECONDS = 15 * 60

/** Time from /auth/login to /auth/callback: the provider's login page, a password manager, a second factor. */
export const LOGIN_STATE_TTL_SECONDS = 10 * 60
