// The dependency rule (docs/architecture.md), checked by `npm run lint` through dependency-cruiser.
// test/architecture.test.ts plants a violation of each rule and expects this configuration to fail.
//
// Layers, inside out:
//   src/domain/          the rules: identities, access, credentials, sign-in, tenancy, audit, the ports
//   src/http/            the HTTP toolkit: bodies, errors, ETags, the server; knows no feature
//   src/saml/, sync/     application services shared by several faces (SAML trust, directory sync)
//   src/scim/ admin/ auth/ cli/   the faces: one protocol or interface each
//   src/store/           the persistence adapter (PostgreSQL: PGlite or a server)
//   src/app.ts, service.ts, main.ts, config.ts, log.ts   the composition root and process plumbing
const FACES = '^src/(scim|admin|auth|cli)/'
const SERVICES = '^(sync|src/saml)/'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'The domain imports only the domain: no protocol, HTTP, store adapter, configuration or logging.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^(src/|sync/|web/|bench/|test/)', pathNot: '^src/domain/' },
    },
    {
      name: 'http-knows-no-feature',
      comment: 'src/http is a toolkit (koa lib/ style): it may name the domain\'s error vocabulary (kernel/errors.ts) and the logger, nothing else of Roster.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^(src/|sync/)', pathNot: '^(src/http/|src/domain/kernel/errors\\.ts$|src/log\\.ts$)' },
    },
    {
      name: 'faces-never-import-each-other',
      comment: 'SCIM, the admin API, sign-in and the CLI each stand on the domain, the services and the toolkit; shared logic moves down, not sideways.',
      severity: 'error',
      from: { path: '^src/(scim|admin|auth|cli)/' },
      to: { path: FACES, pathNot: '^src/$1/' },
    },
    {
      name: 'services-serve-faces-not-the-reverse',
      comment: 'An application service (sync, SAML) is used by faces and the composition root; it never reaches up into a face, the HTTP toolkit or the composition root.',
      severity: 'error',
      from: { path: SERVICES },
      to: { path: `${FACES}|^src/http/|^src/(app|service|main|config)\\.ts$` },
    },
    {
      name: 'services-are-independent',
      comment: 'Directory sync and SAML do not know each other.',
      severity: 'error',
      from: { path: '^(sync|src/saml)/' },
      to: { path: SERVICES, pathNot: '^$1/' },
    },
    {
      name: 'adapter-implements-the-domain',
      comment: 'The store adapter implements the domain\'s ports; it knows no protocol, service or configuration.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^(src/|sync/)', pathNot: '^(src/store/|src/domain/|src/log\\.ts$)' },
    },
    {
      name: 'only-the-root-composes',
      comment: 'Only the composition root (src/app.ts, src/service.ts, src/main.ts) and the CLI\'s entry wire the store adapter and the features together.',
      severity: 'error',
      from: { path: `${FACES}|${SERVICES}|^src/(domain|http)/`, pathNot: '^src/cli/' },
      to: { path: '^src/(app|service|main)\\.ts$|^src/store/' },
    },
    {
      name: 'no-circular',
      comment: 'No module takes part in an import cycle.',
      severity: 'error',
      from: { path: '^(src|sync)/' },
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'No folder takes part in a cycle of folders (e.g. src/admin → src/http → src/admin).',
      severity: 'error',
      scope: 'folder',
      from: { path: '^(src|sync)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.mts', '.js', '.mjs'] },
    reporterOptions: {
      dot: {
        // docs/architecture.md's diagram: one box per folder, Roster's own code only.
        collapsePattern: '^(src/domain/[^/]+|src/scim/[^/]+|src/store/[^/]+|src/[^/]+|sync)/',
      },
    },
  },
}
