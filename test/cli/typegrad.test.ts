/**
 * The `typegrad train` command on user model files written here (a temp folder with a package.json
 * `{"type":"module"}`, importing typegrad's src by absolute path): trains on a tiny IDX directory,
 * prints a function model's parameter table, and refuses bad input (no default model export, an
 * unusable --out, a --limit past Fashion-MNIST's size, images that do not fit the model) with the
 * documented exit codes (0 done, 1 training failed, 2 bad input), before any training.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { syntheticSplit, tempDir, writeIdxDir } from '../runtime/data/fixtures.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const lib = join(root, 'src/index.js')

const cli = (...args: string[]) => {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/typegrad.ts', 'train', ...args], { cwd: root, encoding: 'utf8', timeout: 90_000 })
  return { code: r.status, out: r.stdout, err: r.stderr, seconds: (performance.now() - t0) / 1000 }
}

let tmp: { dir: string; cleanup: () => Promise<void> }
let data: string
let models: string
const modelFile = (name: string) => join(models, name)

beforeAll(async () => {
  tmp = await tempDir('cli')
  data = join(tmp.dir, 'data')
  models = join(tmp.dir, 'models')
  await mkdir(data)
  await mkdir(models)
  await writeIdxDir(data, syntheticSplit(64), syntheticSplit(16))
  await writeFile(join(models, 'package.json'), JSON.stringify({ type: 'module' }))
  await writeFile(
    modelFile('mlp.ts'),
    `import { sequential, flatten, linear, relu } from ${JSON.stringify(lib)}
export default sequential(['N', 1, 28, 28], flatten(), linear(784, 16), relu(), linear(16, 10))
`,
  )
  await writeFile(
    modelFile('residual.ts'),
    `import { F, model, conv2d, flatten, linear } from ${JSON.stringify(lib)}
const block = conv2d(2, 2, { kernel: 3, padding: 1 })
export default model(['N', 1, 28, 28], (x) => {
  const h = F.relu(conv2d(1, 2, { kernel: 3, padding: 1, bias: false })(x))
  return linear(1568, 10).named('head')(flatten()(F.add(h, block(h))))
})
`,
  )
  await writeFile(modelFile('nomodel.ts'), `export const answer = 42\nexport default { not: 'a model' }\n`)
  await writeFile(
    modelFile('flat784.ts'),
    `import { sequential, linear } from ${JSON.stringify(lib)}
export default sequential(['N', 784], linear(784, 10))
`,
  )
  await writeFile(modelFile('broken.ts'), `import { nothing } from './missing-module.js'\nexport default nothing\n`)
})

afterAll(async () => {
  await tmp.cleanup()
})

describe('typegrad train', () => {
  it('trains a user model on an IDX directory and writes its checkpoint', () => {
    const out = join(tmp.dir, 'out-mlp')
    const r = cli('--model', modelFile('mlp.ts'), '--data', data, '--epochs', '1', '--batch-size', '32', '--out', out, '--backend', 'wasm')
    expect(r.err).not.toMatch(/error/i)
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^training on wasm/m)
    expect(r.out).toMatch(/^epoch 1: loss \d+\.\d{3}, train acc \d\.\d{3}, test acc \d\.\d{3}$/m)
    expect(r.out).toContain(`wrote ${join(out, 'checkpoint.json')}`)
    expect(existsSync(join(out, 'checkpoint.json'))).toBe(true)
    expect(existsSync(join(out, 'log.jsonl'))).toBe(true)
    expect(existsSync(join(out, 'training.svg'))).toBe(true)
  })

  it('trains a function model too, and its checkpoint holds its param names', async () => {
    const out = join(tmp.dir, 'out-res')
    const r = cli('--model', modelFile('residual.ts'), '--data', data, '--epochs', '1', '--batch-size', '32', '--out', out, '--backend', 'wasm', '--optimizer', 'sgd', '--lr', '0.1')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^epoch 1: loss /m)
    const ckpt = JSON.parse(await readFile(join(out, 'checkpoint.json'), 'utf8')) as { program: { params: Record<string, unknown> } }
    expect(Object.keys(ckpt.program.params).sort()).toEqual(['conv2d0.weight', 'conv2d1.bias', 'conv2d1.weight', 'head.bias', 'head.weight'])
  })

  it('--summary prints a function model’s parameter table and exits 0 without training', () => {
    const r = cli('--model', modelFile('residual.ts'), '--summary')
    expect(r.code).toBe(0)
    expect(r.out).not.toMatch(/epoch 1/)
    const rows = r.out.trim().split('\n')
    expect(rows.map((l) => l.split(/\s+/)[0])).toEqual(['conv2d0.weight', 'conv2d1.weight', 'conv2d1.bias', 'head.weight', 'head.bias', 'Total'])
    expect(r.out).toMatch(/^conv2d0\.weight\s+\[2, 1, 3, 3\]$/m)
    expect(r.out).toMatch(/^head\.weight\s+\[10, 1568\]$/m)
    // 18 + 36 + 2 + 15,680 + 10
    expect(r.out).toContain('Total params: 15,746')
  })

  it('--summary of a sequential prints its per-layer table', () => {
    const r = cli('--model', modelFile('mlp.ts'), '--summary')
    expect(r.code).toBe(0)
    expect(r.out).toContain('Linear output shape:')
    // 784 * 16 + 16 + 16 * 10 + 10
    expect(r.out).toContain('Total params: 12,730')
  })

  it('a module without a model as its default export exits 2 with a message', () => {
    const r = cli('--model', modelFile('nomodel.ts'), '--data', data, '--epochs', '1')
    expect(r.code).toBe(2)
    expect(r.err).toContain(`${modelFile('nomodel.ts')} has no model as its default export`)
    expect(r.out).not.toMatch(/epoch 1/)
  })

  it('a module that cannot be loaded exits 2 naming it', () => {
    const r = cli('--model', modelFile('broken.ts'), '--data', data, '--epochs', '1')
    expect(r.code).toBe(2)
    expect(r.err).toContain(`cannot load ${modelFile('broken.ts')}`)
    const missing = cli('--model', modelFile('absent.ts'), '--data', data)
    expect(missing.code).toBe(2)
    expect(missing.err).toContain('cannot load')
  })

  it('an --out that is an existing file fails before training', async () => {
    const file = join(tmp.dir, 'a-file')
    await writeFile(file, 'not a directory')
    const r = cli('--model', modelFile('mlp.ts'), '--data', data, '--epochs', '1', '--out', file, '--backend', 'wasm')
    expect([1, 2]).toContain(r.code)
    expect(r.err).toContain(file)
    expect(r.out).not.toMatch(/epoch 1/)
    expect(r.out).not.toMatch(/training on/)
    expect(await readFile(file, 'utf8')).toBe('not a directory')
  })

  it('--limit past Fashion-MNIST’s 60000 training images exits 2 before loading data', () => {
    const r = cli('--model', modelFile('mlp.ts'), '--limit', '70000', '--epochs', '1', '--out', join(tmp.dir, 'out-limit'))
    expect(r.code).toBe(2)
    expect(r.err).toContain('--limit "70000": exceeds the 60000 training examples')
    expect(r.out).not.toMatch(/training on|epoch 1/)
    expect(existsSync(join(tmp.dir, 'out-limit'))).toBe(false)
  })

  it('invalid flag values exit 2 listing them', () => {
    const r = cli('--model', modelFile('mlp.ts'), '--data', data, '--epochs', '0', '--lr', 'fast')
    expect(r.code).toBe(2)
    expect(r.err).toContain('--epochs "0": must be >= 1')
    expect(r.err).toContain('--lr "fast": must be a number')
  })

  it('images that do not fit the model exit 1 with the ShapeError text', () => {
    const r = cli('--model', modelFile('flat784.ts'), '--data', data, '--epochs', '1', '--out', join(tmp.dir, 'out-flat'), '--backend', 'wasm')
    expect(r.code).toBe(1)
    expect(r.err).toContain('ShapeError: the model expects examples [784] but the data has [1, 28, 28]')
    expect(r.out).not.toMatch(/epoch 1/)
  })
})
