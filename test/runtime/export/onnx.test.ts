/**
 * ONNX export: exported models run in onnxruntime-web (wasm, in Node) must predict what typegrad predicts
 * from the same inference graph lowered on tfjs's cpu backend, within 1e-4 (whole models on 256
 * Fashion-MNIST test images, and every exportable op on seeded values); and what cannot be exported is a
 * Left naming the reason.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import onnxProto from 'onnx-proto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lenet, lenetModern } from '../../../examples/models.js'
import { graphOf } from '../../../src/compile/graph.js'
import { optimize } from '../../../src/compile/pipeline.js'
import { input } from '../../../src/dsl/expr.js'
import * as F from '../../../src/dsl/fn.js'
import { batchNorm2d } from '../../../src/dsl/layers/batchNorm.js'
import { mul } from '../../../src/dsl/layers/config.js'
import { conv2d } from '../../../src/dsl/layers/conv2d.js'
import { dropout, relu } from '../../../src/dsl/layers/elementwise.js'
import { linear } from '../../../src/dsl/layers/linear.js'
import { maxPool2d } from '../../../src/dsl/layers/pool.js'
import { flatten } from '../../../src/dsl/layers/structure.js'
import { type Node, topo } from '../../../src/dsl/node.js'
import { foldIn, key, uniform } from '../../../src/dsl/random.js'
import { sequential } from '../../../src/dsl/sequential.js'
import { type Tensor, initTensor } from '../../../src/dsl/tensor.js'
import { loadFashionMnist } from '../../../src/runtime/data/fashionMnist.js'
import { exportOnnx, onnxModelProto } from '../../../src/runtime/export/index.js'
import { type Host, left, maxAbsDiff, right, roundTrip, runOnnx, runTypegrad } from './support.js'

const { onnx } = onnxProto
const TOL = 1e-4

/** A sequential's param tree ([{ weight, bias }, {}, ...]) keyed by leaf name ('0.weight', ...). */
const flat = (tree: readonly Readonly<Record<string, Tensor>>[]): Record<string, Tensor> =>
  Object.fromEntries(tree.flatMap((layer, i) => Object.entries(layer).map(([k, t]) => [`${i}.${k}`, t] as const)))

/** Batch-norm statistics and affine params replaced by seeded non-trivial values (init gives 0 / 1). */
const withRandomNorms = (params: Record<string, Tensor>, seed: number): Record<string, Tensor> =>
  Object.fromEntries(
    Object.entries(params).map(([name, t]) => {
      const k = foldIn(key(seed), name)
      const n = t.data.length
      const [lo, hi] = /runningVar$/.test(name) ? [0.3, 3] : /runningMean$|beta$/.test(name) ? [-0.5, 0.5] : /gamma$/.test(name) ? [0.5, 1.5] : [NaN, NaN]
      return [name, Number.isNaN(lo) ? t : { shape: t.shape, data: uniform(k, n, lo, hi) }]
    }),
  )

/** Every param leaf of `out` drawn with its own initializer (as a model's init would). */
const initParams = (out: Node, seed: number): Record<string, Tensor> =>
  Object.fromEntries(
    graphOf([out]).params.map((p) => {
      const a = p.attrs
      return [a.name, initTensor(foldIn(key(seed), a.name), p.shape as number[], a.init, a.fanIn, a.fanOut)]
    }),
  )

/** A small residual CNN written as a function over its input: conv, a residual block with batch norm, pool, linear. */
const residualCnn = (): Node => {
  const x = input('x', ['N', 1, 28, 28])
  const stem = conv2d(1, 8, { kernel: 3, padding: 1 })
  const c1 = conv2d(8, 8, { kernel: 3, padding: 1, bias: false })
  const bn = batchNorm2d(8)
  const c2 = conv2d(8, 8, { kernel: 3, padding: 1 })
  const h = relu()(stem(x))
  const r = c2(relu()(bn(c1(h))))
  return linear(mul(8, 14, 14), 10)(flatten()(maxPool2d({ kernel: 2 })(relu()(F.add(r, h))))).node
}

const mlp = sequential(['N', 1, 28, 28], flatten(), linear(784, 128), relu(), dropout(0.5), linear(128, 10))

const opCounts = (bytes: Uint8Array): Map<string, number> => {
  const m = new Map<string, number>()
  for (const n of onnx.ModelProto.decode(bytes).graph!.node!) m.set(n.opType!, (m.get(n.opType!) ?? 0) + 1)
  return m
}

describe('exported models match typegrad on 256 Fashion-MNIST test images', () => {
  let images: Host
  let cacheDir: string
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'typegrad-onnx-'))
    // the first 26 test images of each class (the npm package's copy, converted into a private cache)
    const data = await loadFashionMnist({ cacheDir, trainPerClass: 1, testPerClass: 26 })()
    if (E.isLeft(data)) throw new Error(data.left.message)
    const t = data.right.test
    const n = 256
    images = { shape: [n, 1, 28, 28], data: Float32Array.from(t.images.subarray(0, n * 784), (v) => v / 255) }
  })
  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true })
  })

  const cases: readonly { name: string; build: () => { out: Node; params: Record<string, Tensor> } }[] = [
    { name: 'lenet', build: () => ({ out: lenet(input('x', ['N', 1, 28, 28])).node, params: flat(lenet.init(key(0))) }) },
    {
      name: 'lenetModern (running statistics set to random values)',
      build: () => ({ out: lenetModern(input('x', ['N', 1, 28, 28])).node, params: withRandomNorms(flat(lenetModern.init(key(0))), 11) }),
    },
    { name: 'an MLP with dropout', build: () => ({ out: mlp(input('x', ['N', 1, 28, 28])).node, params: flat(mlp.init(key(0))) }) },
    {
      name: 'a residual CNN (function composition)',
      build: () => {
        const out = residualCnn()
        return { out, params: withRandomNorms(initParams(out, 3), 12) }
      },
    },
  ]

  it.each(cases)('$name', async ({ build }) => {
    const { out, params } = build()
    const r = await roundTrip(out, params, images)
    expect(r.onnx.shape).toEqual([256, 10])
    expect(r.diff).toBeLessThanOrEqual(TOL)
    // the export is the inference form: no dropout, no training-mode normalization left
    const ops = opCounts(r.bytes)
    expect(ops.has('Dropout')).toBe(false)
    expect(ops.has('ReduceMean')).toBe(false)
  })

  it('declares the batch as a named dim, so any batch size runs', async () => {
    const out = lenet(input('x', ['N', 1, 28, 28])).node
    const params = flat(lenet.init(key(0)))
    const bytes = right(onnxModelProto(out, params))
    const model = onnx.ModelProto.decode(bytes)
    expect(model.opsetImport!.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]])
    const dims = (v: onnxProto.onnx.IValueInfoProto) =>
      v.type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)))
    expect(model.graph!.input!.map((v) => [v.name, dims(v)])).toEqual([['x', ['N', 1, 28, 28]]])
    expect(model.graph!.output!.map((v) => [v.name, dims(v)])).toEqual([['output', ['N', 10]]])
    expect(model.graph!.initializer!.map((t) => t.name)).toEqual(expect.arrayContaining(Object.keys(params)))
    const three: Host = { shape: [3, 1, 28, 28], data: images.data.slice(0, 3 * 784) }
    const got = await runOnnx(bytes, 'x', three)
    expect(got.shape).toEqual([3, 10])
    expect(maxAbsDiff(got, await runTypegrad(out, params, 'x', three))).toBeLessThanOrEqual(TOL)
  })

  it('exports lenetModern with BatchNormalization over its running statistics', () => {
    const out = lenetModern(input('x', ['N', 1, 28, 28])).node
    const ops = opCounts(right(onnxModelProto(out, withRandomNorms(flat(lenetModern.init(key(0))), 11))))
    expect(ops.get('BatchNormalization')).toBe(4)
    expect(ops.get('MaxPool')).toBe(2)
    expect(ops.get('Conv')).toBe(2)
  })

  it('exports optimized graphs (NHWC layout, fused conv/matMul with activations) to the same predictions', async () => {
    for (const { out, params } of [
      { out: lenetModern(input('x', ['N', 1, 28, 28])).node, params: withRandomNorms(flat(lenetModern.init(key(0))), 11) },
      { out: lenet(input('x', ['N', 1, 28, 28])).node, params: flat(lenet.init(key(0))) },
    ]) {
      const [optimized] = optimize([out])
      const fused = topo([optimized!]).filter((n) => n.op === 'fusedConv2d' || n.op === 'fusedMatMul')
      expect(fused.length).toBeGreaterThan(0)
      const r = await roundTrip(optimized!, params, images)
      expect(r.diff).toBeLessThanOrEqual(TOL)
      // and the same as the unoptimized model's prediction
      expect(maxAbsDiff(r.onnx, await runTypegrad(out, params, 'x', images))).toBeLessThanOrEqual(TOL)
    }
  })

  it('writes the file atomically with exportOnnx and it loads back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'typegrad-onnx-out-'))
    try {
      const out = mlp(input('x', ['N', 1, 28, 28])).node
      const params = flat(mlp.init(key(0)))
      const path = join(dir, 'models', 'mlp.onnx')
      const written = await exportOnnx(out, params, path, { inputName: 'images', outputName: 'logits', producer: 'test' })()
      if (E.isLeft(written)) expect.fail(written.left.message)
      const bytes = new Uint8Array(await readFile(path))
      expect(written.right).toEqual({ path, bytes: bytes.length })
      expect(await readdir(join(dir, 'models'))).toEqual(['mlp.onnx'])
      expect(onnx.ModelProto.decode(bytes).producerName).toBe('test')
      const got = await runOnnx(bytes, 'images', images)
      expect(maxAbsDiff(got, await runTypegrad(out, params, 'x', images))).toBeLessThanOrEqual(TOL)
      // a failing export writes nothing
      const failed = await exportOnnx(out, {}, join(dir, 'models', 'bad.onnx'))()
      expect(E.isLeft(failed)).toBe(true)
      expect(await readdir(join(dir, 'models'))).toEqual(['mlp.onnx'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
