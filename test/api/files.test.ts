/**
 * `save`, `load` and `exportOnnx` through the public API: bit-exact round trips for a sequential and a
 * function model (buffers included), a file from another model refused naming the first parameter that
 * differs with both shapes, and an exported ONNX model (dropout and batch norm in inference form) run in
 * onnxruntime-web, matching `predict` within 1e-4.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as ort from 'onnxruntime-web'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  F,
  type Tensor,
  batchNorm1d,
  batchNorm2d,
  conv2d,
  dropout,
  exportOnnx,
  flatten,
  flattenParams,
  foldIn,
  key,
  linear,
  load,
  maxPool2d,
  model,
  paramTree,
  predict,
  relu,
  save,
  sequential,
  uniform,
} from '../../src/index.js'

ort.env.wasm.numThreads = 1

let tmp: string
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'typegrad-api-files-'))
})
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true })
})

const rightOf = <L extends { readonly message: string }, A>(r: E.Either<L, A>): A => {
  if (E.isLeft(r)) expect.fail(`expected a Right, got: ${r.left.message}`)
  return r.right
}
const leftOf = <L, A>(r: E.Either<L, A>): L => {
  if (E.isRight(r)) expect.fail('expected a Left')
  return r.left
}

/** Every leaf replaced by seeded values (variances positive), so nothing is at its init value. */
const scramble = (flat: Readonly<Record<string, Tensor>>, seed: number): Record<string, Tensor> =>
  Object.fromEntries(
    Object.entries(flat).map(([name, t]) => {
      const k = foldIn(key(seed), name)
      const n = t.data.length
      if (name.endsWith('runningVar')) return [name, { shape: t.shape, data: uniform(k, n, 0.3, 3) }]
      if (name.endsWith('gamma')) return [name, { shape: t.shape, data: uniform(k, n, 0.5, 1.5) }]
      const scale = t.shape.length >= 2 ? 1 / Math.sqrt(n / (t.shape[0] as number)) : 0.5
      return [name, { shape: t.shape, data: uniform(k, n, -scale, scale) }]
    }),
  )

const net = sequential(
  ['N', 1, 8, 8],
  conv2d(1, 4, { kernel: 3, padding: 1 }),
  batchNorm2d(4),
  relu(),
  dropout(0.4),
  maxPool2d({ kernel: 2, stride: 2 }),
  flatten(),
  linear(64, 10),
  batchNorm1d(10),
  relu(),
  dropout(0.5),
  linear(10, 3),
)

/** A function model with a residual add, a named layer, a tied layer and a nested sequential. */
const tied = linear(6, 6)
const fnModel = model(['N', 6], (x) => {
  const h = F.relu(tied(x))
  const r = F.add(x, tied(h))
  const inner = sequential(['N', 6], batchNorm1d(6), linear(6, 4))
  return linear(4, 2).named('head')(F.relu(inner(r)))
})

describe('save and load', () => {
  it('round-trips a sequential (with buffers) bit-exactly', async () => {
    const params = paramTree(net, scramble(flattenParams(net.init(key(1)) as never), 1)) as ReturnType<typeof net.init>
    const path = join(tmp, 'net.safetensors')
    const saved = rightOf(await save(net, params, path)())
    expect(saved.path).toBe(path)
    expect(saved.bytes).toBe((await stat(path)).size)
    const back = rightOf(await load(net, path)())
    expect(back).toEqual(params)
    expect(back[1].runningVar.data).toEqual(params[1].runningVar.data)
    expect(back[6].weight.shape).toEqual([10, 64])
    // the file is a safetensors file: 8-byte header length, then JSON
    const bytes = await readFile(path)
    const headerLen = Number(bytes.readBigUInt64LE(0))
    const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, unknown>
    expect(Object.keys(header)).toContain('1.runningMean')
  })

  it('round-trips a function model (tied weights, named layer, nested sequential) bit-exactly', async () => {
    const flat = scramble(flattenParams(fnModel.init(key(2))), 2)
    expect(Object.keys(flat).sort()).toEqual(
      [
        'head.bias',
        'head.weight',
        'linear0.bias',
        'linear0.weight',
        'sequential0.0.beta',
        'sequential0.0.gamma',
        'sequential0.0.runningMean',
        'sequential0.0.runningVar',
        'sequential0.1.bias',
        'sequential0.1.weight',
      ].sort(),
    )
    const params = paramTree(fnModel, flat) as ReturnType<typeof fnModel.init>
    const path = join(tmp, 'fn.safetensors')
    rightOf(await save(fnModel, params, path, { note: 'hi' })())
    const back = rightOf(await load(fnModel, path)())
    expect(flattenParams(back)).toEqual(flat)
    expect(back).toEqual(params)
    // the loaded params predict what the saved ones do
    const x = uniform(key(3), 5 * 6, -1, 1)
    const a = rightOf(await predict(fnModel, params, x, { backend: 'cpu' })())
    const b = rightOf(await predict(fnModel, back, x, { backend: 'cpu' })())
    expect(Array.from(b.data)).toEqual(Array.from(a.data))
  })

  it('loading into a different model fails naming the first mismatched param and both shapes', async () => {
    const path = join(tmp, 'net2.safetensors')
    rightOf(await save(net, net.init(key(4)), path)())
    const wider = sequential(
      ['N', 1, 8, 8],
      conv2d(1, 5, { kernel: 3, padding: 1 }),
      batchNorm2d(5),
      relu(),
      dropout(0.4),
      maxPool2d({ kernel: 2, stride: 2 }),
      flatten(),
      linear(80, 10),
      batchNorm1d(10),
      relu(),
      dropout(0.5),
      linear(10, 3),
    )
    const e = leftOf(await load(wider, path)())
    expect(e.kind).toBe('mismatch')
    expect(e.message).toBe(`${path} was saved from a different model: parameter '0.weight' has shape [4, 1, 3, 3] in the file but [5, 1, 3, 3] in the model`)
    // a model with other names: the first of its params missing from the file
    const e2 = leftOf(await load(fnModel, path)())
    expect(e2.kind).toBe('mismatch')
    expect(e2.message).toContain("parameter 'linear0.weight' of the model is not in the file")
    // a missing file is a Left, not a throw
    const e3 = leftOf(await load(net, join(tmp, 'nope.safetensors'))())
    expect(e3.message).toContain('no such file')
  })

  it('refuses to save params that do not fit the model or are not finite', async () => {
    const params = flattenParams(net.init(key(5)) as never)
    const bad = { ...params, '6.weight': { shape: [10, 64], data: new Float32Array(640).fill(Number.NaN) } }
    const path = join(tmp, 'bad.safetensors')
    const e = leftOf(await save(net, paramTree(net, bad) as never, path)())
    expect(e.message).toContain("parameter '6.weight' has a non-finite value (NaN) at index 0")
    await expect(stat(path)).rejects.toThrow()
  })
})

describe('exportOnnx', () => {
  it('exports the inference form of a dropout + batch norm model; onnxruntime-web matches predict within 1e-4', async () => {
    const params = paramTree(net, scramble(flattenParams(net.init(key(6)) as never), 6)) as ReturnType<typeof net.init>
    const path = join(tmp, 'net.onnx')
    const r = rightOf(await exportOnnx(net, params, path)())
    expect(r.bytes).toBe((await stat(path)).size)
    const n = 64
    const x = uniform(key(7), n * 64, -1.5, 1.5)
    const ours = rightOf(await predict(net, params, x, { backend: 'cpu' })())
    expect(ours.shape).toEqual([n, 3])
    const session = await ort.InferenceSession.create(new Uint8Array(await readFile(path)))
    try {
      expect(session.inputNames).toHaveLength(1)
      const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, [n, 1, 8, 8]) })
      const y = out[session.outputNames[0]!]!
      expect([...y.dims]).toEqual([n, 3])
      const theirs = y.data as Float32Array
      let worst = 0
      for (let i = 0; i < ours.data.length; i++) worst = Math.max(worst, Math.abs(theirs[i]! - ours.data[i]!))
      expect(worst).toBeLessThanOrEqual(1e-4)
      // not vacuous: the outputs vary across examples
      expect(new Set(Array.from(ours.data).map((v) => v.toFixed(3))).size).toBeGreaterThan(n)
    } finally {
      await session.release()
    }
  })

  it('exports a function model too', async () => {
    const params = paramTree(fnModel, scramble(flattenParams(fnModel.init(key(8))), 8)) as ReturnType<typeof fnModel.init>
    const path = join(tmp, 'fn.onnx')
    rightOf(await exportOnnx(fnModel, params, path)())
    const n = 64
    const x = uniform(key(9), n * 6, -1, 1)
    const ours = rightOf(await predict(fnModel, params, x, { backend: 'cpu' })())
    const session = await ort.InferenceSession.create(new Uint8Array(await readFile(path)))
    try {
      const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, [n, 6]) })
      const theirs = out[session.outputNames[0]!]!.data as Float32Array
      let worst = 0
      for (let i = 0; i < ours.data.length; i++) worst = Math.max(worst, Math.abs(theirs[i]! - ours.data[i]!))
      expect(worst).toBeLessThanOrEqual(1e-4)
    } finally {
      await session.release()
    }
  })
})
