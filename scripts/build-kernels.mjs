#!/usr/bin/env node
/**
 * `npm run build:kernels`: compiles the SIMD kernels (AssemblyScript, src/ops/kernels/simd/assembly)
 * to the committed binaries next to their loader: kernels-shared.wasm imports a shared memory (the
 * threaded tfjs-wasm build, the default), kernels.wasm a plain one (tfjs-wasm's single-threaded build),
 * and a -fma twin of each built with relaxed SIMD, where `madd` (assembly/common.ts) is one fused
 * multiply-add (the loader picks it where the engine runs relaxed SIMD).
 * The build is deterministic: `--check` rebuilds into a temporary folder and fails unless the bytes
 * equal the committed ones (a test runs it, so the binaries never drift from their source).
 * @example node scripts/build-kernels.mjs --check
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import asc from 'assemblyscript/asc'

// Node 20's V8 compiles relaxed SIMD (the -fma twins) only behind this flag; later versions ship it on
setFlagsFromString('--experimental-wasm-relaxed-simd')

const root = fileURLToPath(new URL('..', import.meta.url))
const folder = join(root, 'src/ops/kernels/simd')
const source = join(folder, 'assembly/kernels.ts')
const check = process.argv.includes('--check')
const out = check ? mkdtempSync(join(tmpdir(), 'typegrad-kernels-')) : folder

// The module must not own memory contents: no runtime, no static data, nothing but the given pointers.
const common = ['--enable', 'simd', '--importMemory', '--initialMemory', '1', '--runtime', 'stub', '--noAssert', '-O3', '--converge']
const shared = ['--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536']
const fma = ['--enable', 'relaxed-simd']
const variants = [
  { file: 'kernels-shared.wasm', flags: shared },
  { file: 'kernels.wasm', flags: [] },
  { file: 'kernels-shared-fma.wasm', flags: [...shared, ...fma] },
  { file: 'kernels-fma.wasm', flags: fma },
]
let failed = false
for (const v of variants) {
  const target = join(out, v.file)
  const { error, stderr } = await asc.main([source, '--outFile', target, ...common, ...v.flags])
  if (error) {
    console.error(stderr.toString())
    throw error
  }
  const wasm = readFileSync(target)
  const module = new WebAssembly.Module(wasm)
  const imports = WebAssembly.Module.imports(module)
  if (imports.length !== 1 || imports[0].kind !== 'memory') throw new Error(`${v.file}: expected one memory import, got ${JSON.stringify(imports)}`)
  if (check && !wasm.equals(readFileSync(join(folder, v.file)))) {
    console.error(`${v.file} differs from a fresh build of ${source}: run npm run build:kernels and commit`)
    failed = true
  }
}
if (check) rmSync(out, { recursive: true, force: true })
if (failed) process.exit(1)
console.log(check ? 'kernels: committed binaries match their source' : `kernels: built into ${folder}`)
