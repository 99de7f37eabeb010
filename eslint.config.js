import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/**
 * One `no-restricted-imports` entry per folder. Flat config replaces a rule's options for files that
 * match a later entry, so each entry repeats the outer boundary it still has to keep.
 */
function boundaries(entries) {
  return entries.map(({ files, forbid }) => ({
    files,
    rules: {
      'no-restricted-imports': ['error', { patterns: forbid.map(([regex, message]) => ({ regex, message })) }],
    },
  }))
}

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'data/**',
      '.tmp/**',
      'coverage/**',
      // The consumer test's apps are type-checked against the packed tarball, in a temp copy
      // (test/consumer): here their imports of `tandem` and `tandem-server` would not resolve.
      'test/consumer/apps/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Import boundaries: the architecture's layers, checked on every lint (docs/architecture.md).
  ...boundaries([
    {
      // The sync server and the browser code share only shared/: never each other.
      files: ['server/**/*.ts'],
      forbid: [['/client/', 'server code never imports client code']],
    },
    {
      files: ['client/**/*.ts', 'client/**/*.tsx'],
      forbid: [['/server/', 'client code never imports server code']],
    },
    {
      // shared/ runs on both sides: no Node built-ins, and nothing of either side.
      files: ['shared/**/*.ts'],
      forbid: [
        ['/(server|client)/', 'shared/ never imports server or client code'],
        ['^node:', 'shared/ runs in browsers too: no Node built-ins'],
      ],
    },
    {
      // A room does not know how its clients reached it (WebSocket, SSE, long-poll) nor any HTTP route.
      files: ['server/sync/**/*.ts'],
      forbid: [
        ['/client/', 'server code never imports client code'],
        ['^(\\.\\./)+(transport|http)/', 'sync never imports transport or http: hand it a Connection'],
      ],
    },
    {
      // Storage and fan-out are seams below the rooms: they take their settings as arguments.
      files: ['server/storage/**/*.ts', 'server/pubsub/**/*.ts'],
      forbid: [
        ['/client/', 'server code never imports client code'],
        ['^(\\.\\./)+sync/', 'storage and pubsub never import sync: they sit below the rooms'],
        ['^(\\.\\./)+config(\\.js)?$', 'storage and pubsub never import config: pass the settings in'],
      ],
    },
    {
      // Presence is a lossy side channel: it must work (and be testable) without the document's session.
      files: ['client/presence/**/*.ts'],
      forbid: [
        ['/server/', 'client code never imports server code'],
        ['^(\\.\\./)+(provider|editor|app)/', 'presence never imports provider, editor or app'],
      ],
    },
    {
      // Transports carry frames; the session above them (provider) and the UI are not theirs to know.
      files: ['client/transport/**/*.ts'],
      forbid: [
        ['/server/', 'client code never imports server code'],
        ['^(\\.\\./)+(provider|presence|editor|app)/', 'transports never import provider, presence, editor or app'],
      ],
    },
    {
      // The component package (client/index.ts) ships provider/ and editor/, never the web app.
      files: ['client/provider/**/*.ts', 'client/editor/**/*.ts', 'client/editor/**/*.tsx'],
      forbid: [
        ['/server/', 'client code never imports server code'],
        ['^(\\.\\./)+app/', 'the component (provider, editor) never imports the web app'],
      ],
    },
  ]),
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // Tool configs that must be CommonJS (.dependency-cruiser.cjs).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
)
