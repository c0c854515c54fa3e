// Bundles the server for production: `dist/main.js` (the entry point) and `dist/compactWorker.js`
// (the compaction thread's module), plain ES modules that Node runs without a TypeScript loader.
// The server's own dependencies stay imports, resolved from its node_modules at run time
// (better-sqlite3 is native, and the others are shared with nothing). Everything else is bundled in:
// the workspace's packages (TypeScript source) and what only they depend on.
import fs from 'node:fs'
import { builtinModules } from 'node:module'
import * as esbuild from 'esbuild'

const { dependencies } = JSON.parse(fs.readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
const external = new Set(
  Object.entries(dependencies)
    .filter(([, version]) => !version.startsWith('workspace:'))
    .map(([name]) => name),
)
const packageName = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/')

await esbuild.build({
  entryPoints: {
    main: 'src/main.ts',
    compactWorker: 'src/persistence/compactWorker.ts',
  },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Stack traces name the source file and line (`node --enable-source-maps`, as `start` runs it).
  sourcemap: true,
  sourcesContent: false,
  banner: { js: '#!/usr/bin/env node' },
  external: builtinModules.flatMap((m) => [m, `node:${m}`]),
  logLevel: 'warning',
  plugins: [
    {
      name: 'server-dependencies',
      setup(build) {
        build.onResolve({ filter: /^[^./]/ }, (args) =>
          external.has(packageName(args.path)) ? { path: args.path, external: true } : undefined,
        )
      },
    },
  ],
})
