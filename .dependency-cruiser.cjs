/**
 * The cycle check of `npm run lint` (import boundaries are ESLint rules: eslint.config.js). A cycle
 * makes the load order decide which module sees the other half-initialised, and it is how a router
 * and the toolkit its routes import back grow into one knot.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles are not allowed: move what both sides need into a module of its own.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count too: a type cycle is still two modules that cannot be understood apart.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs'] },
    exclude: { path: ['(^|/)dist/', '(^|/)node_modules/'] },
  },
}
