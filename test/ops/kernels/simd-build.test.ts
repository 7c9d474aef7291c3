/**
 * The committed SIMD binaries are what their AssemblyScript source builds to (scripts/build-kernels.mjs
 * --check rebuilds every variant from the repository's own toolchain and compares the bytes), and each
 * imports nothing but the memory it works on.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { describe, expect, it } from 'vitest'

// the -fma twins are relaxed SIMD, behind a flag on Node 20 (src/ops/kernels/simd/module.ts sets it too)
setFlagsFromString('--experimental-wasm-relaxed-simd')

describe('SIMD kernel binaries', () => {
  it('rebuild byte for byte from src/ops/kernels/simd/assembly', () => {
    const r = spawnSync(process.execPath, ['scripts/build-kernels.mjs', '--check'], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.stdout).toContain('committed binaries match their source')
    expect(r.status).toBe(0)
  }, 60_000)

  it.each([
    ['kernels-shared.wasm', true],
    ['kernels.wasm', false],
    ['kernels-shared-fma.wasm', true],
    ['kernels-fma.wasm', false],
  ])('%s imports only a memory (shared: %s) and exports the kernels', (file, shared) => {
    const module = new WebAssembly.Module(readFileSync(new URL(`../../../src/ops/kernels/simd/${file}`, import.meta.url)))
    expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }])
    const names = WebAssembly.Module.exports(module).map((e) => e.name)
    expect(names).toEqual(expect.arrayContaining(['sigmoidGradRows', 'columnSums', 'conv2dFilterGrad', 'padRows']))
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared })
    const { exports } = new WebAssembly.Instance(module, { env: { memory } })
    // columnSums over 3 rows of 5 at byte 0, into the scratch rows at byte 64
    new Float32Array(memory.buffer, 0, 15).set([1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500])
    ;(exports['columnSums'] as (...a: number[]) => void)(0, 3, 0, 0, 64, 5)
    expect(Array.from(new Float32Array(memory.buffer, 64, 5))).toEqual([111, 222, 333, 444, 555])
  })
})
