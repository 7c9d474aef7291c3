/**
 * Combinators at run time: what `chain`, `residual`, `parallel`, `concat` and `identity` compute (predict on
 * known inputs), how their parameters are named and drawn (inside `sequential` and `model`, with `init`,
 * `paramSlots` and `flattenParams` agreeing), that a model built from them trains with `fit` and exports to ONNX, the ResNet-18
 * example's parameter count, the shared runtime error texts, and that `flow` of layers names them as `pipe` does.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import {
  ShapeError,
  adam,
  arrays,
  batchNorm1d,
  chain,
  concat,
  conv2d,
  exportOnnx,
  fit,
  flattenParams,
  flow,
  identity,
  initLeaves,
  input,
  key,
  linear,
  model,
  parallel,
  paramSlots,
  pipe,
  predict,
  relu,
  residual,
  sequential,
  uniform,
} from '../../src/index.js'
import { resnet18, resnet18Small } from '../../examples/resnet18.js'

const backend = 'cpu' as const
const names = (m: Parameters<typeof paramSlots>[0]) => paramSlots(m).map((s) => s.name)
const rightOf = <A>(r: E.Either<{ readonly message: string }, A>): A => {
  if (E.isLeft(r)) expect.fail(r.left.message)
  return r.right
}

describe('what the combinators compute', () => {
  const x = Float32Array.from({ length: 2 * 2 * 3 * 3 }, (_, i) => i - 10)
  it('concat along channels puts the branches side by side; along the last axis too', async () => {
    const twice = model(['N', 2, 3, 3], concat(1, identity(), identity()))
    const y = rightOf(await predict(twice, twice.init(key(0)), x, { backend })())
    expect(y.shape).toEqual([2, 4, 3, 3])
    for (let n = 0; n < 2; n++)
      for (let c = 0; c < 4; c++)
        for (let k = 0; k < 9; k++) expect(y.data[((n * 4 + c) * 9) + k]).toBe(x[(n * 2 + (c % 2)) * 9 + k])
    // [N, 3] ++ linear -> [N, 5]: the first three columns are the input
    const dense = model(['N', 3], concat(-1, identity(), linear(3, 2)))
    const v = Float32Array.from([1, 2, 3, -4, 5, -6])
    const z = rightOf(await predict(dense, dense.init(key(1)), v, { backend })())
    expect(z.shape).toEqual([2, 5])
    expect([...z.data.subarray(0, 3)]).toEqual([1, 2, 3])
    expect([...z.data.subarray(5, 8)]).toEqual([-4, 5, -6])
  })
  it('residual adds the block to its input; parallel adds its branches; chain composes', async () => {
    const r = model(['N', 2, 3, 3], residual(identity()))
    const p = model(['N', 2, 3, 3], parallel(identity(), identity(), chain(identity(), relu())))
    const yr = rightOf(await predict(r, r.init(key(0)), x, { backend })())
    const yp = rightOf(await predict(p, p.init(key(0)), x, { backend })())
    expect([...yr.data]).toEqual([...x].map((v) => 2 * v))
    expect([...yp.data]).toEqual([...x].map((v) => 2 * v + Math.max(v, 0)))
  })
})

describe('names and init', () => {
  const block = chain(linear(4, 8), relu(), linear(8, 4))
  it('in a sequential, parts are named <index>.<position>.<param>, and init agrees with the leaves', () => {
    const seq = sequential(['N', 4], residual(block), linear(4, 2))
    expect(names(seq)).toEqual(['0.0.0.weight', '0.0.0.bias', '0.0.2.weight', '0.0.2.bias', '1.weight', '1.bias'])
    const tree = seq.init(key(3))
    expect(Object.keys(tree[0]!)).toEqual(['0.0.weight', '0.0.bias', '0.2.weight', '0.2.bias'])
    // the same values a model's init draws for the same leaf names (each dotted segment folded in)
    const leaves = initLeaves(seq, key(3))
    expect(flattenParams(tree)).toEqual(leaves)
    // summary counts a combinator's parameters
    const rows = rightOf(seq.summary())
    expect(rows.map((r) => [r.kind, r.params, r.outShape])).toEqual([
      ['Residual', 4 * 8 + 8 + 8 * 4 + 4, ['N', 4]],
      ['Linear', 10, ['N', 2]],
    ])
  })
  it('in a model body, a combinator is named by its kind (or .named) and its parts by position under it', () => {
    const m = model(['N', 4], (h) => pipe(h, residual(block), block.named('tail')))
    expect(names(m)).toEqual([
      'residual0.0.0.weight', 'residual0.0.0.bias', 'residual0.0.2.weight', 'residual0.0.2.bias',
      'tail.0.weight', 'tail.0.bias', 'tail.2.weight', 'tail.2.bias',
    ])
    const tree = m.init(key(4)) as { residual0: { 0: { 0: { weight: unknown } } } }
    expect(tree.residual0[0][0].weight).toBeDefined()
    expect(Object.keys(flattenParams(m.init(key(4))))).toEqual(names(m))
  })
  it('flow of layers names them as pipe does (it is function composition, not a layer)', () => {
    const a = linear(4, 8), b = linear(8, 2)
    const viaFlow = model(['N', 4], flow(a, relu(), b))
    const viaPipe = model(['N', 4], (h) => pipe(h, a, relu(), b))
    expect(names(viaFlow)).toEqual(['linear0.weight', 'linear0.bias', 'linear1.weight', 'linear1.bias'])
    expect(names(viaFlow)).toEqual(names(viaPipe))
  })
})

describe('fit', () => {
  it('trains a model built from chain, residual, parallel and concat on in-memory data', async () => {
    const n = 256
    const xs = uniform(key(7), 4 * n, -1, 1)
    const ys = Int32Array.from({ length: n }, (_, i) => (xs[4 * i]! + xs[4 * i + 1]! > 0 ? 1 : 0) + (xs[4 * i + 2]! > 0 ? 1 : 0))
    const net = model(['N', 4], (h) =>
      pipe(
        h,
        concat(1, identity(), linear(4, 4)), // [N, 8]
        residual(chain(linear(8, 8), batchNorm1d(8), relu(), linear(8, 8))),
        parallel(linear(8, 16), chain(linear(8, 16), relu())),
        relu(),
        linear(16, 3),
      ),
    )
    const data = arrays({ shape: [4], x: xs, y: ys }, { shape: [4], x: xs, y: ys })
    const r = rightOf(await fit(net, { data, optimizer: adam(0.02), epochs: 8, batchSize: 32, backend })())
    const last = r.history.at(-1)!
    expect(last.loss).toBeLessThan(r.history[0]!.loss)
    expect(last.trainAcc).toBeGreaterThan(0.85)
    // the trained tree holds every leaf, by the names paramSlots gives
    expect(Object.keys(flattenParams(r.params)).sort()).toEqual(names(net).sort())
  })
})

describe('ONNX', () => {
  it('a model of chain, concat and residual exports, and ONNX Runtime predicts what predict does', async () => {
    const ort = await import('onnxruntime-web')
    ort.env.wasm.numThreads = 1
    const net = model(['N', 2, 5, 5], (h) =>
      pipe(h, concat(1, identity(), conv2d(2, 3, { kernel: 3, padding: 1 })), relu(), residual(conv2d(5, 5, { kernel: 1 })), concat(-1, identity(), identity())),
    )
    const params = net.init(key(1))
    const dir = await mkdtemp(join(tmpdir(), 'typegrad-combinators-'))
    try {
      const file = join(dir, 'net.onnx')
      rightOf(await exportOnnx(net, params, file)())
      const x = uniform(key(2), 3 * 2 * 5 * 5, -1, 1)
      const ours = rightOf(await predict(net, params, x, { backend })())
      const session = await ort.InferenceSession.create(await readFile(file))
      const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, [3, 2, 5, 5]) })
      const theirs = out[session.outputNames[0]!]!
      await session.release()
      expect([...theirs.dims]).toEqual([3, 5, 5, 10])
      const diff = Math.max(...Array.from(theirs.data as Float32Array, (v, i) => Math.abs(v - ours.data[i]!)))
      expect(diff).toBeLessThan(1e-4)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('ResNet-18 (examples/resnet18.ts)', () => {
  it("has torchvision's 11,689,512 trainable parameters and its buffers, named by place", () => {
    const slots = paramSlots(resnet18)
    const count = (trainable: boolean) => slots.filter((s) => s.trainable === trainable).reduce((a, s) => a + s.shape.reduce((p, d) => p * d, 1), 0)
    expect(count(true)).toBe(11_689_512)
    expect(count(false)).toBe(2 * (64 + 2 * 2 * 64 + 3 * 128 + 2 * 128 + 3 * 256 + 2 * 256 + 3 * 512 + 2 * 512)) // running mean and var
    const byName = new Map(slots.map((s) => [s.name, s.shape]))
    expect(byName.get('stem.0.weight')).toEqual([64, 3, 7, 7])
    expect(byName.get('layer2.0.0.1.0.weight')).toEqual([128, 64, 1, 1]) // torchvision's layer2.0.downsample.0.weight
    expect(byName.get('layer4.1.0.0.3.weight')).toEqual([512, 512, 3, 3]) // layer4.1.conv2.weight
    expect(byName.get('fc.1.weight')).toEqual([1000, 512])
  })
  it('traces to [N, 1000] at 224x224 and [B, 1000] at 64x64', () => {
    expect(resnet18(input('x', ['N', 3, 224, 224])).shape).toEqual(['N', 1000])
    expect(resnet18Small(input('x', ['B', 3, 64, 64])).shape).toEqual(['B', 1000])
  })
})

describe('runtime errors', () => {
  it('carry the same texts as the types, and print their prefix once', () => {
    const expectError = (f: () => unknown, text: string) => {
      try {
        f()
        expect.fail('expected a ShapeError')
      } catch (e) {
        expect(e).toBeInstanceOf(ShapeError)
        expect((e as Error).message).toBe(text)
        expect(String(e)).toBe(text)
        expect((e as Error).stack?.split('\n')[0]).toBe(text)
      }
    }
    const x = input('x', ['N', 64, 56, 56])
    // @ts-expect-error the types reject it too, with the same text
    expectError(() => residual(conv2d(64, 128, { kernel: 3, stride: 2, padding: 1 }))(x),
      'ShapeError: residual block changes the shape [N, 64, 56, 56] to [N, 128, 28, 28]; give residual a projection')
    // @ts-expect-error the types reject it too, with the same text
    expectError(() => residual(conv2d(64, 128, { kernel: 3, stride: 2, padding: 1 }), conv2d(64, 128, { kernel: 1 }))(x),
      'ShapeError: residual block gives [N, 128, 28, 28] but its projection gives [N, 128, 56, 56]')
    // @ts-expect-error the types reject it too, with the same text
    expectError(() => parallel(identity(), conv2d(64, 32, { kernel: 1 }))(x),
      'ShapeError: parallel branches give different shapes [N, 64, 56, 56] and [N, 32, 56, 56]')
    // @ts-expect-error the types reject it too, with the same text
    expectError(() => concat(1, identity(), conv2d(64, 32, { kernel: 3 }))(x),
      'ShapeError: concat cannot join [N, 64, 56, 56] and [N, 32, 54, 54] along axis 1')
    // @ts-expect-error the types reject it too, with the same text
    expectError(() => concat(4, identity())(x), 'ShapeError: concat axis 4 out of range for [N, 64, 56, 56]')
    // @ts-expect-error the types reject it too, with the same text
    expectError(() => concat(0, identity(), identity())(x), 'ShapeError: concat cannot join a symbolic size along axis 0 of [N, 64, 56, 56]')
    // @ts-expect-error the types reject it too, with the same text
    expectError(() => chain(linear(4, 8), linear(4, 2))(input('v', ['N', 4])), 'ShapeError: linear expects 4 input features but got 8')
  })
})
