import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair } from 'jose'
import Provider, { type Account, type KoaContextWithOIDC } from 'oidc-provider'

/** A person the provider knows; `email_verified` defaults to true. */
export interface TestAccount {
  sub: string
  name: string
  email: string
  emailVerified?: boolean
}

export interface TestProvider {
  /** The issuer URL (OIDC_ISSUER). */
  issuer: string
  clientId: string
  clientSecret: string
  /** Who the next sign-in at the provider is (the provider's login page, answered for the test). */
  signInAs(account: TestAccount): void
  close(): Promise<void>
}

/**
 * A real OpenID provider (oidc-provider, the certified Node implementation) on 127.0.0.1, with one
 * confidential client whose redirect URI is `<tandemUrl>/auth/callback`. Its login interaction is
 * answered at once as the account `signInAs` named (a person typing their password, as far as the
 * relying party can tell), and consent is implied (a first-party client).
 */
export async function startTestProvider(tandemUrl: string): Promise<TestProvider> {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const accounts = new Map<string, TestAccount>()
  let current: TestAccount | null = null
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const clientId = 'tandem-test'
  const clientSecret = 'tandem-test-client-secret-0123456789'

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [`${tandemUrl}/auth/callback`],
        post_logout_redirect_uris: [`${tandemUrl}/`],
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'test-key' }] },
    cookies: { keys: ['oidc-test-cookie-key-0123456789abcdef'] },
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction) => `/interaction/${interaction.uid}` },
    // A first-party client: the person is not asked to consent; the grant covers what was asked.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const accountId = ctx.oidc.session?.accountId
      if (!accountId || !ctx.oidc.client) return undefined
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId })
      grant.addOIDCScope(String(ctx.oidc.params?.scope ?? 'openid'))
      await grant.save()
      return grant
    },
    findAccount: async (_ctx: KoaContextWithOIDC, sub: string): Promise<Account | undefined> => {
      const account = accounts.get(sub)
      if (!account) return undefined
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          name: account.name,
          email: account.email,
          email_verified: account.emailVerified ?? true,
        }),
      }
    },
  })
  const callback = provider.callback()
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    if (request.url?.startsWith('/interaction/')) {
      void finishLogin(request, response)
      return
    }
    void callback(request, response)
  })

  async function finishLogin(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    try {
      if (!current) throw new Error('signInAs() was not called before the sign-in')
      accounts.set(current.sub, current)
      await provider.interactionFinished(request, response, { login: { accountId: current.sub } })
    } catch (error) {
      response.writeHead(500).end(String(error))
    }
  }

  return {
    issuer,
    clientId,
    clientSecret,
    signInAs: (account) => {
      current = account
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
