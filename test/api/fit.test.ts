/**
 * `fit` and `evaluate` through the public API on in-memory data (cpu backend): classification with
 * cross-entropy, regression with mse, binary classification with binaryCrossEntropy, a user loss and
 * metric, shape and target errors as typed Lefts, checkpoints and resume, continuing from given params,
 * and `runOrThrow`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  F,
  adam,
  arrays,
  binaryCrossEntropy,
  evaluate,
  fill,
  fit,
  flattenParams,
  key,
  linear,
  loss,
  metric,
  model,
  mse,
  relu,
  runOrThrow,
  sequential,
  sgd,
  uniform,
  type DataSource,
  type TrainError,
} from '../../src/index.js'

const backend = 'cpu' as const

/** Three classes in the plane, separated by the sign of x0 and of x1 (class 2: x0 < 0). */
const blobs = (n: number, seed: number) => {
  const x = uniform(key(seed), 2 * n, -1, 1)
  const y = Int32Array.from({ length: n }, (_, i) => (x[2 * i]! < 0 ? 2 : x[2 * i + 1]! < 0 ? 1 : 0))
  return { shape: [2] as const, x, y }
}

const classifier = () => sequential(['N', 2], linear(2, 16), relu(), linear(16, 3))

const leftOf = <A>(r: E.Either<TrainError, A>): TrainError => {
  if (E.isRight(r)) expect.fail('expected a Left')
  return r.left
}
const rightOf = <A>(r: E.Either<TrainError, A>): A => {
  if (E.isLeft(r)) expect.fail(`expected a Right, got ${r.left._tag}: ${r.left.message}`)
  return r.right
}

let tmp: string
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'typegrad-api-fit-'))
})
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true })
})

describe('fit learns', () => {
  it('(a) cross-entropy on a separable 3-class problem reaches high accuracy; evaluate agrees with the last epoch', async () => {
    const data = arrays(blobs(400, 1), blobs(200, 2))
    const m = classifier()
    const r = rightOf(await fit(m, { data, optimizer: adam(0.03), epochs: 12, batchSize: 32, backend })())
    expect(r.history).toHaveLength(12)
    const last = r.history.at(-1)!
    expect(last.trainAcc).toBeGreaterThan(0.9)
    expect(last.testAcc).toBeGreaterThan(0.9)
    expect(last.loss).toBeLessThan(r.history[0]!.loss)
    expect(last.examples).toBe(400)
    // evaluate on the same test split with the returned params: the last epoch's test accuracy
    const ev = rightOf(await evaluate(m, r.params, { data, backend })())
    expect(ev.count).toBe(200)
    expect(ev.acc).toBeCloseTo(last.testAcc!, 6)
    expect(ev.loss).toBeGreaterThan(0)
    expect(ev.loss).toBeLessThan(0.5)
    // and the training split
    const evTrain = rightOf(await evaluate(m, r.params, { data, split: 'train', backend })())
    expect(evTrain.count).toBe(400)
    expect(evTrain.acc).toBeGreaterThan(0.9)
  })

  it('(b) mse regression of y = 2x + 1 reaches a low loss and the line', async () => {
    const n = 128
    const x = uniform(key(3), n, -1, 1)
    const y = x.map((v) => 2 * v + 1)
    const line = model(['N', 1], (t) => linear(1, 1)(t))
    const data = arrays({ shape: [1], x, y, targetShape: [1] }, { shape: [1], x: x.subarray(0, 32), y: y.subarray(0, 32), targetShape: [1] })
    const r = rightOf(await fit(line, { data, loss: mse, optimizer: sgd(0.2), epochs: 25, batchSize: 16, backend })())
    const last = r.history.at(-1)!
    expect(last.loss).toBeLessThan(1e-3)
    expect(last.testLoss).toBeLessThan(1e-3)
    // a loss without accuracy reports no accuracies
    expect(last.trainAcc).toBeUndefined()
    expect(last.testAcc).toBeUndefined()
    const p = flattenParams(r.params)
    expect(p['linear0.weight']!.data[0]).toBeCloseTo(2, 1)
    expect(p['linear0.bias']!.data[0]).toBeCloseTo(1, 1)
    const ev = rightOf(await evaluate(line, r.params, { data, loss: mse, backend })())
    expect(ev.acc).toBeUndefined()
    expect(ev.loss).toBeCloseTo(last.testLoss!, 6)
  })

  it('(c) binary cross-entropy on a separable binary task', async () => {
    const n = 256
    const x = uniform(key(5), 3 * n, -1, 1)
    const y = Float32Array.from({ length: n }, (_, i) => (x[3 * i]! + 0.5 * x[3 * i + 1]! - x[3 * i + 2]! > 0 ? 1 : 0))
    const m = sequential(['N', 3], linear(3, 8), relu(), linear(8, 1))
    const data = arrays({ shape: [3], x, y, targetShape: [1] }, { shape: [3], x, y, targetShape: [1] })
    const r = rightOf(await fit(m, { data, loss: binaryCrossEntropy, optimizer: adam(0.05), epochs: 15, batchSize: 32, backend })())
    const last = r.history.at(-1)!
    expect(last.trainAcc).toBeGreaterThan(0.93)
    expect(last.testAcc).toBeGreaterThan(0.93)
    expect(last.loss).toBeLessThan(r.history[0]!.loss)
    const ev = rightOf(await evaluate(m, r.params, { data, loss: binaryCrossEntropy, backend })())
    expect(ev.acc).toBeCloseTo(last.testAcc!, 6)
  })

  it('(d) a user loss written with F ops, and a user metric reported per epoch', async () => {
    const n = 96
    const x = uniform(key(6), 2 * n, -1, 1)
    const y = Float32Array.from({ length: n }, (_, i) => x[2 * i]! - 3 * x[2 * i + 1]!)
    const data = arrays({ shape: [2], x, y }, { shape: [2], x, y })
    // a smooth L1 (pseudo-Huber) loss and the mean absolute error as a metric
    const pseudoHuber = loss('pseudoHuber', (out, t) => F.mean(F.sub(F.sqrt(F.add(F.square(F.sub(out, t)), fill([], 1))), fill([], 1))))
    const mae = metric('mae', (out, t) => F.sum(F.sqrt(F.square(F.sub(out, t as never)))))
    const m = model(['N', 2], (t) => linear(2, 1)(t))
    const r = rightOf(await fit(m, { data, loss: pseudoHuber, metrics: [mae], optimizer: adam(0.05), epochs: 20, batchSize: 16, backend })())
    const first = r.history[0]!
    const last = r.history.at(-1)!
    expect(Object.keys(last.metrics ?? {}).sort()).toEqual(['mae', 'test mae'])
    expect(last.metrics!['test mae']).toBeLessThan(first.metrics!['test mae']!)
    expect(last.metrics!['test mae']).toBeLessThan(0.2)
    expect(last.testLoss).toBeDefined()
    // the metric sums are released every step: no tensor leaks from epoch 2 on
    const live = r.report.tensorsAfterEpoch
    expect(live).toHaveLength(20)
    expect(new Set(live.slice(1)).size).toBe(1)
    // evaluate with the same loss and metric: the last epoch's test values
    const ev = rightOf(await evaluate(m, r.params, { data, loss: pseudoHuber, metrics: [mae], backend })())
    expect(ev.loss).toBeCloseTo(last.testLoss!, 5)
    expect(ev.metrics['mae']).toBeCloseTo(last.metrics!['test mae']!, 5)
    // a metric is a mean over examples: compare with the host-side mean absolute error
    const flat = flattenParams(r.params)
    const w = flat['linear0.weight']!.data
    const b = flat['linear0.bias']!.data[0]!
    let sum = 0
    for (let i = 0; i < n; i++) sum += Math.abs(w[0]! * x[2 * i]! + w[1]! * x[2 * i + 1]! + b - y[i]!)
    expect(ev.metrics['mae']).toBeCloseTo(sum / n, 4)
  })
})

describe('fit rejects data that does not fit', () => {
  it('(e) examples of the wrong shape: a ShapeMismatch Left with the exact text', async () => {
    const data = arrays({ shape: [5], x: new Float32Array(10), y: new Int32Array(2) })
    // @ts-expect-error examples [5] do not fit a model over [N, 2] (the same text at compile time)
    const r = await fit(classifier(), { data, epochs: 1, backend })()
    const e = leftOf(r)
    expect(e._tag).toBe('ShapeMismatch')
    expect(e.message).toBe('ShapeError: the model expects examples [2] but the data has [5]')
    // a source whose shape is not a literal type is checked at run time only, with the same text
    const loose = data as DataSource
    const e2 = leftOf(await fit(classifier(), { data: loose, epochs: 1, backend })())
    expect(e2.message).toBe('ShapeError: the model expects examples [2] but the data has [5]')
    // and evaluate says the same
    const e3 = leftOf(await evaluate(classifier(), classifier().init(key(0)), { data: loose, backend })())
    expect(e3._tag).toBe('ShapeMismatch')
    expect(e3.message).toBe('ShapeError: the model expects examples [2] but the data has [5]')
  })

  it('(e) targets of the wrong type or shape for the loss', async () => {
    const b = blobs(8, 1)
    const floats = arrays({ shape: [2], x: b.x, y: Float32Array.from(b.y) })
    const e = leftOf(await fit(classifier(), { data: floats, epochs: 1, backend })())
    expect(e._tag).toBe('ShapeMismatch')
    expect(e.message).toBe('ShapeError: crossEntropy expects int32 targets but the data has float32 targets')
    const labels = arrays({ shape: [2], x: b.x, y: b.y })
    const e2 = leftOf(await fit(classifier(), { data: labels, loss: mse, epochs: 1, backend })())
    expect(e2._tag).toBe('ShapeMismatch')
    expect(e2.message).toBe('ShapeError: mse expects float32 targets but the data has int32 targets')
    const wide = arrays({ shape: [2], x: b.x, y: new Float32Array(16), targetShape: [2] })
    const e3 = leftOf(await fit(classifier(), { data: wide, loss: mse, epochs: 1, backend })())
    expect(e3.message).toBe('ShapeError: mse expects targets [3] per example but the data has [2]')
  })

  it('(e) invalid arrays are a Data Left before any training', async () => {
    const e = leftOf(await fit(classifier(), { data: arrays({ shape: [2], x: new Float32Array(5), y: new Int32Array(2) }), epochs: 1, backend })())
    expect(e._tag).toBe('Data')
    expect(e.message).toContain('train.x')
  })
})

describe('continuing a run', () => {
  const data = arrays(blobs(96, 7), blobs(32, 8))

  it('(f) fit with checkpointDir, then resume, continues the history (bit-exact with an uninterrupted run)', async () => {
    const dir = join(tmp, 'ckpt')
    const opts = { data, optimizer: 'adam' as const, lr: 0.01, batchSize: 32, seed: 4, backend }
    const first = rightOf(await fit(classifier(), { ...opts, epochs: 2, checkpointDir: dir })())
    expect(first.history).toHaveLength(2)
    const ckpt = JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8')) as { epoch: number }
    expect(ckpt.epoch).toBe(2)
    expect((await readFile(join(dir, 'log.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(2)
    const lines: string[] = []
    const resumed = rightOf(await fit(classifier(), { ...opts, epochs: 4, checkpointDir: dir, resume: true, log: (l) => lines.push(l) })())
    expect(resumed.history).toHaveLength(4)
    expect(resumed.report.resumedFrom).toBe(2)
    expect(resumed.history.slice(0, 2)).toEqual(first.history)
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4])
    expect(lines.some((l) => l.startsWith('resuming from') && l.includes('after epoch 2'))).toBe(true)
    expect(lines.filter((l) => /^epoch \d+:/.test(l))).toHaveLength(2)
    // the same four epochs without the interruption give the same params, bit for bit
    const straight = rightOf(await fit(classifier(), { ...opts, epochs: 4 })())
    expect(flattenParams(straight.params as never)).toEqual(flattenParams(resumed.params as never))
    expect(straight.history.map((h) => h.loss)).toEqual(resumed.history.map((h) => h.loss))
  })

  it('(f) resume with a different recipe is refused', async () => {
    const dir = join(tmp, 'ckpt2')
    rightOf(await fit(classifier(), { data, optimizer: 'sgd', lr: 0.1, epochs: 1, batchSize: 32, checkpointDir: dir, backend })())
    const e = leftOf(await fit(classifier(), { data, optimizer: 'sgd', lr: 0.2, epochs: 2, batchSize: 32, checkpointDir: dir, resume: true, backend })())
    expect(e._tag).toBe('CheckpointMismatch')
  })

  it('(g) `params` continues from an earlier result; explicit init params equal the default', async () => {
    const m = classifier()
    const opts = { data, optimizer: sgd(0.2), batchSize: 16, seed: 2, backend }
    const a = rightOf(await fit(m, { ...opts, epochs: 2 })())
    const explicit = rightOf(await fit(m, { ...opts, epochs: 2, params: m.init(key(2)) })())
    expect(flattenParams(explicit.params as never)).toEqual(flattenParams(a.params as never))
    const b = rightOf(await fit(m, { ...opts, epochs: 2, params: a.params })())
    // the second run starts where the first ended: its first epoch is better than the first run's first
    expect(b.history[0]!.loss).toBeLessThan(a.history[0]!.loss)
    expect(b.history[0]!.loss).toBeLessThan(a.history[1]!.loss * 1.05)
    // the given params are not mutated
    expect(flattenParams(a.params as never)).toEqual(flattenParams(rightOf(await fit(m, { ...opts, epochs: 2 })()).params as never))
    // its params differ from the first run's
    expect(flattenParams(b.params as never)['0.weight']!.data).not.toEqual(flattenParams(a.params as never)['0.weight']!.data)
    // the tree has the model's shape
    expect(b.params[0].weight.shape).toEqual([16, 2])
    expect(b.params[1]).toEqual({})
  })
})

describe('fit options', () => {
  it('`limit` trains on the first examples only; `onEpoch` sees every record; too large a limit is refused', async () => {
    const data = arrays(blobs(64, 3))
    const seen: number[] = []
    const r = rightOf(await fit(classifier(), { data, epochs: 2, batchSize: 16, limit: 40, onEpoch: (e) => seen.push(e.epoch), backend })())
    expect(r.history.map((h) => h.examples)).toEqual([40, 40])
    expect(r.report.trainExamples).toBe(40)
    expect(seen).toEqual([1, 2])
    const e = leftOf(await fit(classifier(), { data, epochs: 1, limit: 65, backend })())
    expect(e._tag).toBe('ConfigInvalid')
    expect(e.message).toContain('--limit 65: exceeds the 64 training examples')
  })

  it('a tied layer gets the sum of its uses\' gradients (one sgd step, checked on the host)', async () => {
    const tied = linear(2, 2, { bias: false })
    const m = model(['N', 2], (x) => tied(tied(x)))
    const n = 8
    const x = uniform(key(12), 2 * n, -1, 1)
    const t = uniform(key(13), 2 * n, -1, 1)
    const w0 = { linear0: { weight: { shape: [2, 2] as const, data: Float32Array.from([0.5, -0.3, 0.2, 0.8]) } } }
    const lr = 0.1
    const r = rightOf(await fit(m, { data: arrays({ shape: [2], x, y: t, targetShape: [2] }), loss: mse, optimizer: sgd(lr), epochs: 1, batchSize: n, params: w0, backend })())
    const w1 = flattenParams(r.params)['linear0.weight']!.data
    expect(Object.keys(flattenParams(r.params))).toEqual(['linear0.weight'])
    // y = W (W x); L = mean((y - t)^2) over n * 2; dL/dW = G h^T + W^T G x^T summed over examples, h = W x, G = dL/dy
    const W = Array.from(w0.linear0.weight.data)
    const at = (i: number, j: number) => W[2 * i + j]!
    const g = [0, 0, 0, 0]
    for (let e = 0; e < n; e++) {
      const xe = [x[2 * e]!, x[2 * e + 1]!]
      const h = [0, 1].map((i) => at(i, 0) * xe[0]! + at(i, 1) * xe[1]!)
      const y = [0, 1].map((i) => at(i, 0) * h[0]! + at(i, 1) * h[1]!)
      const G = [0, 1].map((i) => (2 * (y[i]! - t[2 * e + i]!)) / (n * 2))
      const WtG = [0, 1].map((j) => at(0, j) * G[0]! + at(1, j) * G[1]!)
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) g[2 * i + j]! += G[i]! * h[j]! + WtG[i]! * xe[j]!
    }
    for (let k = 0; k < 4; k++) expect(w1[k]).toBeCloseTo(W[k]! - lr * g[k]!, 5)
  })
})

describe('runOrThrow', () => {
  it('(h) resolves with the Right value', async () => {
    const r = await runOrThrow(fit(classifier(), { data: arrays(blobs(32, 1)), epochs: 1, batchSize: 16, backend }))
    expect(r.history).toHaveLength(1)
    // no test split: no test accuracy
    expect(r.history[0]!.testAcc).toBeUndefined()
  })

  it('(h) rejects with the Left message', async () => {
    const data = arrays({ shape: [5], x: new Float32Array(10), y: new Int32Array(2) }) as DataSource
    await expect(runOrThrow(fit(classifier(), { data, epochs: 1, backend }))).rejects.toThrow('ShapeError: the model expects examples [2] but the data has [5]')
    await expect(runOrThrow(fit(classifier(), { data: arrays(blobs(8, 1)), epochs: 0, backend }))).rejects.toThrow(/--epochs 0/)
    // a Left that is not an Error keeps it as the cause
    const err = await runOrThrow(fit(classifier(), { data: arrays(blobs(8, 1)), epochs: 0, backend })).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect(((err as Error).cause as TrainError)._tag).toBe('ConfigInvalid')
  })
})
