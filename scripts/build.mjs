#!/usr/bin/env node
/**
 * `npm run build` (also run by `prepack`): compiles src/ to dist/ with tsconfig.build.json.
 * Steps: remove dist/ (so files deleted from src/ are not published), run the repository's tsc,
 * then mark the `bin` entries executable (npm also sets the mode when the package is installed;
 * this is for running `./dist/cli/typegrad.js` straight from a checkout).
 * src/ reads no assets by path relative to itself (JSON/wasm are resolved from dependencies with
 * createRequire), so there is nothing to copy beside the compiled files.
 * @example node scripts/build.mjs
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true })
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
})

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
for (const bin of Object.values(pkg.bin ?? {})) {
  const file = new URL(`../${bin}`, import.meta.url)
  if (!existsSync(file)) throw new Error(`bin entry ${bin} was not emitted by tsc`)
  chmodSync(file, 0o755)
}
