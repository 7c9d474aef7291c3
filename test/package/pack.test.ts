/**
 * typegrad works as an installed npm package, not only from this checkout: `npm pack` (which builds
 * dist/ through `prepack`), install the tarball into an empty ES-module project, then in that project
 *  (a) plain `node` imports the public API and initialises the wasm backend with gradients (the
 *      tfjs-core module hook and the wasm files resolve from node_modules/typegrad/dist),
 *  (b) the consumer's own `tsc` keeps the type-level shape checks of the published .d.ts,
 *  (c) the `typegrad` bin runs.
 * The install prefers npm's cache and omits optional dependencies (tfjs-node would download libtensorflow).
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const tsc = join(root, 'node_modules/typescript/bin/tsc')

/** Exports of the DSL, with their `typeof` in the installed package. */
const EXISTING_API = {
  sequential: 'function',
  linear: 'function',
  conv2d: 'function',
  relu: 'function',
  input: 'function',
  key: 'function',
  compile: 'object',
  runtime: 'object',
} as const
/** The library API (the fixed names): all functions in plain Node. */
const LIBRARY_API = ['fit', 'predict', 'evaluate', 'save', 'load', 'exportOnnx'] as const

interface Result {
  readonly code: number | null
  readonly out: string
}
/** Runs a command to completion (never rejects); `out` is stdout and stderr interleaved. */
const run = (cmd: string, args: ReadonlyArray<string>, cwd: string): Promise<Result> =>
  new Promise((done, fail) => {
    // Drop what `npm test` exports about this package, so the nested npm commands see only their own project.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !/^(npm_package_|npm_lifecycle_|npm_config_local_prefix$|npm_command$|INIT_CWD$|NODE_OPTIONS$)/i.test(k),
      ),
    )
    const child = spawn(cmd, args, { cwd, env: { ...env, npm_config_update_notifier: 'false' } })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('error', fail)
    child.on('close', (code) => done({ code, out }))
  })

const expectOk = (r: Result, what: string): string => {
  expect(r.code, `${what} failed:\n${r.out}`).toBe(0)
  return r.out
}

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  },
}

/** Imports the installed package with plain node; prints what the test asserts on as JSON. */
const CHECK_MJS = `
import * as typegrad from 'typegrad'
import pkg from 'typegrad/package.json' with { type: 'json' }
const names = ${JSON.stringify([...Object.keys(EXISTING_API), ...LIBRARY_API])}
const types = Object.fromEntries(names.map((n) => [n, typeof typegrad[n]]))
const backend = await typegrad.runtime.selectBackend('wasm', { threads: 1 })()
console.log(JSON.stringify({ version: pkg.version, types, backend }))
`

const GOOD_TS = `
import { input, key, linear, relu, sequential } from 'typegrad'
export const model = sequential(['N', 784], linear(784, 128), relu(), linear(128, 10))
const y = model(input('x', ['N', 784]))
export const shape: readonly ['N', 10] = y.shape
export const k = key(0)
// @ts-expect-error 10 output features, not 11 (unused, hence an error, if the published types were 'any')
export const wrong: readonly ['N', 11] = y.shape
`

const BAD_TS = `
import { linear, relu, sequential } from 'typegrad'
export const model = sequential(['N', 784], linear(784, 128), relu(), linear(100, 10))
`

describe('package.json', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }
  it('writes bin paths without a leading ./ (npm 11 drops such bin entries from the published manifest)', () => {
    expect(Object.keys(pkg.bin)).toContain('typegrad')
    for (const path of Object.values(pkg.bin)) expect(path).not.toMatch(/^\.\//)
  })
})

describe('the packed package, installed in an empty project', () => {
  let work: string
  let consumer: string
  let version: string

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'typegrad-pack-'))
    const packDir = join(work, 'pack')
    consumer = join(work, 'consumer')
    mkdirSync(packDir)
    mkdirSync(consumer)
    expectOk(await run('npm', ['pack', '--pack-destination', packDir], root), 'npm pack')
    const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'))
    expect(tarballs).toHaveLength(1)
    version = /^typegrad-(.*)\.tgz$/.exec(tarballs[0]!)![1]!

    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({ ...CONSUMER_TSCONFIG, files: ['good.ts'] }))
    writeFileSync(join(consumer, 'tsconfig.bad.json'), JSON.stringify({ ...CONSUMER_TSCONFIG, files: ['bad.ts'] }))
    writeFileSync(join(consumer, 'check.mjs'), CHECK_MJS)
    writeFileSync(join(consumer, 'good.ts'), GOOD_TS)
    writeFileSync(join(consumer, 'bad.ts'), BAD_TS)
    const install = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=optional', join(packDir, tarballs[0]!)]
    expectOk(await run('npm', install, consumer), 'npm install of the tarball')
  }, 300_000)

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('plain node imports the API and sets up the wasm backend with gradients', async () => {
    const out = expectOk(await run(process.execPath, ['check.mjs'], consumer), 'node check.mjs')
    const report = JSON.parse(out.trim().split('\n').at(-1)!) as {
      version: string
      types: Record<string, string>
      backend: { _tag: string; right?: { name: string } }
    }
    expect(report.version).toBe(version)
    for (const [name, type] of Object.entries(EXISTING_API)) expect(report.types[name], name).toBe(type)
    for (const name of LIBRARY_API) expect(report.types[name], name).toBe('function')
    expect(report.backend, JSON.stringify(report.backend)).toMatchObject({ _tag: 'Right', right: { name: 'wasm' } })
  }, 60_000)

  it('a correct consumer file type-checks against the published .d.ts', async () => {
    expectOk(await run(process.execPath, [tsc, '-p', 'tsconfig.json'], consumer), 'tsc on good.ts')
  }, 60_000)

  it('a mis-sized layer fails the consumer\'s tsc with the ShapeError message', async () => {
    const r = await run(process.execPath, [tsc, '-p', 'tsconfig.bad.json'], consumer)
    expect(r.code, r.out).not.toBe(0)
    expect(r.out).toContain('bad.ts(3,')
    expect(r.out).toContain('ShapeError: linear expects 100 input features but got 128')
    expect(r.out.match(/error TS/g), r.out).toHaveLength(1)
  }, 60_000)

  it("the installed bin trains the consumer's own TypeScript model module", async () => {
    writeFileSync(
      join(consumer, 'my-model.ts'),
      "import { dropout, flatten, linear, relu, sequential } from 'typegrad'\nexport default sequential(['N', 1, 28, 28], flatten(), linear(784, 32), relu(), dropout(0.1), linear(32, 10))\n",
    )
    const args = ['train', '--model', 'my-model.ts', '--epochs', '1', '--limit', '512', '--backend', 'wasm', '--out', 'run']
    const out = expectOk(await run(join(consumer, 'node_modules/.bin/typegrad'), args, consumer), 'typegrad train')
    expect(out).toMatch(/^epoch 1: loss \d+\.\d{3}, train acc [01]\.\d{3}, test acc [01]\.\d{3}$/m)
    expect(statSync(join(consumer, 'run/checkpoint.json')).size).toBeGreaterThan(0)
  }, 120_000)

  it('the typegrad bin is installed executable and prints the version', async () => {
    const bin = join(consumer, 'node_modules/typegrad/dist/cli/typegrad.js')
    expect(statSync(bin).mode & 0o111).not.toBe(0)
    const out = expectOk(await run(join(consumer, 'node_modules/.bin/typegrad'), ['--version'], consumer), 'typegrad --version')
    expect(out.trim()).toBe(version)
    const viaNpx = await run('npx', ['--no-install', 'typegrad', '--version'], consumer)
    expect(viaNpx.code, viaNpx.out).toBe(0)
    expect(viaNpx.out.trim()).toBe(version)
  }, 60_000)
})
