#!/usr/bin/env node
/**
 * `npm run build` (also run by `prepack`): compiles src/ to dist/ with tsconfig.build.json.
 * Steps: remove dist/ (so files deleted from src/ are not published), run the repository's tsc,
 * then mark the `bin` entries executable (npm also sets the mode when the package is installed;
 * this is for running `./dist/cli/typegrad.js` straight from a checkout).
 * The SIMD kernels' committed binaries (the .wasm files under src/, see scripts/build-kernels.mjs) are copied next
 * to their compiled loader, which reads them relative to itself.
 * @example node scripts/build.mjs
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true })
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
})

const src = join(root, 'src')
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.wasm')) continue
  const from = join(entry.parentPath, entry.name)
  copyFileSync(from, join(root, 'dist', relative(src, from)))
}

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
for (const bin of Object.values(pkg.bin ?? {})) {
  const file = new URL(`../${bin}`, import.meta.url)
  if (!existsSync(file)) throw new Error(`bin entry ${bin} was not emitted by tsc`)
  chmodSync(file, 0o755)
}
