/**
 * `predict` runs the inference form (batch norm over its running statistics, dropout removed), so an
 * example's output never depends on the rest of its batch: for models with batch norm and dropout, the
 * prediction of a random batch equals the predictions of its examples one at a time, within 1e-5, after
 * a few `fit` steps (non-trivial running statistics) or with random running statistics.
 */
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { lenetModern } from '../../examples/models.js'
import {
  type Tensor,
  arrays,
  batchNorm1d,
  batchNorm2d,
  conv2d,
  dropout,
  evaluate,
  fit,
  flatten,
  flattenParams,
  foldIn,
  key,
  linear,
  maxPool2d,
  paramTree,
  predict,
  relu,
  sequential,
  sgd,
  uniform,
} from '../../src/index.js'
import type { AnyModel } from '../../src/dsl/model.js'

const TOL = 1e-5

/** conv / bn / relu / dropout / linear over [N, 1, 8, 8] images. */
const small = sequential(
  ['N', 1, 8, 8],
  conv2d(1, 4, { kernel: 3, padding: 1 }),
  batchNorm2d(4),
  relu(),
  dropout(0.5),
  maxPool2d({ kernel: 2, stride: 2 }),
  flatten(),
  linear(64, 8),
  batchNorm1d(8),
  relu(),
  dropout(0.3),
  linear(8, 3),
)

/** Running statistics and batch-norm affine params replaced by seeded non-trivial values. */
const randomNorms = (flat: Readonly<Record<string, Tensor>>, seed: number): Record<string, Tensor> =>
  Object.fromEntries(
    Object.entries(flat).map(([name, t]) => {
      const k = foldIn(key(seed), name)
      const n = t.data.length
      if (name.endsWith('runningVar')) return [name, { shape: t.shape, data: uniform(k, n, 0.3, 3) }]
      if (name.endsWith('runningMean') || name.endsWith('beta')) return [name, { shape: t.shape, data: uniform(k, n, -0.5, 0.5) }]
      if (name.endsWith('gamma')) return [name, { shape: t.shape, data: uniform(k, n, 0.5, 1.5) }]
      return [name, t]
    }),
  )

const run = async <A>(task: () => Promise<E.Either<{ readonly message: string }, A>>): Promise<A> => {
  const r = await task()
  if (E.isLeft(r)) expect.fail(r.left.message)
  return r.right
}

/** Checks that predicting `n` random examples at once equals predicting each alone (and in uneven chunks). */
const batchIndependent = async (model: AnyModel, params: unknown, example: readonly number[], n: number, seed: number, chunk: number) => {
  const per = example.reduce((a, d) => a * d, 1)
  const xs = uniform(key(seed), n * per, -1, 2)
  const all = await run(predict(model, params, xs, { backend: 'cpu' }))
  const chunked = await run(predict(model, params, xs, { backend: 'cpu', batchSize: chunk }))
  expect(all.shape[0]).toBe(n)
  expect(all.data.every(Number.isFinite)).toBe(true)
  const rowLen = all.data.length / n
  for (let i = 0; i < n; i++) {
    const one = await run(predict(model, params, xs.subarray(i * per, (i + 1) * per), { backend: 'cpu' }))
    expect(one.shape).toEqual([1, ...all.shape.slice(1)])
    for (let j = 0; j < rowLen; j++) {
      expect(Math.abs(one.data[j]! - all.data[i * rowLen + j]!)).toBeLessThanOrEqual(TOL)
      expect(Math.abs(chunked.data[i * rowLen + j]! - all.data[i * rowLen + j]!)).toBeLessThanOrEqual(TOL)
    }
  }
  return all
}

describe('predict is independent of the batch', () => {
  let trained: unknown

  beforeAll(async () => {
    const n = 64
    const xs = uniform(key(1), n * 64, 0, 1)
    const ys = Int32Array.from({ length: n }, (_, i) => i % 3)
    const r = await run(fit(small, { data: arrays({ shape: [1, 8, 8], x: xs, y: ys }), epochs: 1, batchSize: 16, optimizer: sgd(0.1), backend: 'cpu' }))
    trained = r.params
    // the fit moved the running statistics away from their initial 0 / 1
    const flat = flattenParams(r.params as never)
    expect(Array.from(flat['1.runningMean']!.data).some((v) => Math.abs(v) > 1e-3)).toBe(true)
    expect(Array.from(flat['7.runningVar']!.data).some((v) => Math.abs(v - 1) > 1e-3)).toBe(true)
  })

  it('a small conv / batch norm / dropout model after a few fit steps', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 7 }), fc.nat(10_000), fc.integer({ min: 1, max: 4 }), async (n, seed, chunk) => {
        await batchIndependent(small, trained, [1, 8, 8], n, seed, chunk)
      }),
      { numRuns: 10 },
    )
  })

  it('the same model with random running statistics', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 6 }), fc.nat(10_000), fc.nat(1000), async (n, seed, normSeed) => {
        const params = paramTree(small, randomNorms(flattenParams(small.init(key(normSeed)) as never), normSeed))
        await batchIndependent(small, params, [1, 8, 8], n, seed, 3)
      }),
      { numRuns: 6 },
    )
  })

  it('lenetModern (batch norm after every conv and dense layer) with random running statistics', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 4 }), fc.nat(10_000), async (n, seed) => {
        const params = paramTree(lenetModern, randomNorms(flattenParams(lenetModern.init(key(seed)) as never), seed))
        await batchIndependent(lenetModern, params, [1, 28, 28], n, seed, 2)
      }),
      { numRuns: 4 },
    )
  })
})

describe('evaluate is independent of the batch too', () => {
  it('the loss and accuracy of a batch-norm + dropout model do not depend on the batch size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 9 }), fc.nat(1000), async (batchSize, seed) => {
        const n = 23
        const params = paramTree(small, randomNorms(flattenParams(small.init(key(seed)) as never), seed))
        const xs = uniform(key(seed + 1), n * 64, -1, 2)
        const ys = Int32Array.from({ length: n }, (_, i) => (i * 7 + seed) % 3)
        const data = arrays({ shape: [1, 8, 8], x: xs, y: ys })
        const whole = await run(evaluate(small, params, { data, backend: 'cpu' }))
        const parts = await run(evaluate(small, params, { data, backend: 'cpu', batchSize }))
        // no test split: the training split is scored
        expect(whole.count).toBe(n)
        expect(parts.count).toBe(n)
        expect(Math.abs(parts.loss - whole.loss)).toBeLessThanOrEqual(1e-5)
        expect(parts.acc).toBe(whole.acc)
      }),
      { numRuns: 5 },
    )
  })
})

describe('predict inputs', () => {
  const params = small.init(key(0))

  it('takes a host tensor [n, ...example] or a flat array, and gives [n, ...output]', async () => {
    const xs = uniform(key(2), 3 * 64, 0, 1)
    const flat = await run(predict(small, params, xs, { backend: 'cpu' }))
    const viaTensor = await run(predict(small, params, { shape: [3, 1, 8, 8], data: xs }, { backend: 'cpu' }))
    const viaNumbers = await run(predict(small, params, Array.from(xs), { backend: 'cpu' }))
    expect(flat.shape).toEqual([3, 3])
    expect(Array.from(viaTensor.data)).toEqual(Array.from(flat.data))
    expect(Array.from(viaNumbers.data)).toEqual(Array.from(flat.data))
  })

  it("takes a data source's examples, scaling grey-level bytes to [0, 1] as training does", async () => {
    const bytes = Uint8Array.from({ length: 2 * 64 }, (_, i) => (i * 37) % 256)
    const examples = { n: 2, shape: [1, 8, 8], x: bytes, targetShape: [], targetDtype: 'int32' as const, y: new Int32Array(2) }
    const viaExamples = await run(predict(small, params, examples, { backend: 'cpu' }))
    const viaFloats = await run(predict(small, params, Float32Array.from(bytes, (v) => v / 255), { backend: 'cpu' }))
    expect(viaExamples.shape).toEqual([2, 3])
    expect(Array.from(viaExamples.data)).toEqual(Array.from(viaFloats.data))
  })

  it('refuses inputs that are not whole examples, of the wrong shape, or not finite', async () => {
    const bad = async (input: Parameters<typeof predict>[2]) => {
      const r = await predict(small, params, input, { backend: 'cpu' })()
      if (E.isRight(r)) expect.fail('expected a Left')
      return r.left
    }
    const a = await bad(new Float32Array(100))
    expect(a._tag).toBe('ShapeMismatch')
    expect(a.message).toBe('ShapeError: predict got 100 values, not a whole number of examples [1, 8, 8] (64 values each)')
    const b = await bad({ shape: [2, 64], data: new Float32Array(128) })
    expect(b.message).toBe('ShapeError: the model expects examples [1, 8, 8] but the data has [64]')
    const nan = new Float32Array(128)
    nan[70] = Number.NaN
    const c = await bad(nan)
    expect(c.message).toBe('ShapeError: input value NaN at index 70 (example 1) is not finite')
  })
})
