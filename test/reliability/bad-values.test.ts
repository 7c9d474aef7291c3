/**
 * Bad values never reach a kernel silently: labels outside the classes and NaN/Infinity inputs are counted
 * inside the compiled step and stop the run as `BadBatch` naming the batch; empty and disposed batches are
 * typed errors; a loss that runs away is `Diverged` before it is NaN; 100 compile/dispose cycles leak nothing.
 */
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { StepInputError, compileTraining } from '../../src/compile/train.js'
import { crossEntropy } from '../../src/dsl/losses.js'
import { flattenParams, initLeaves, traceModel } from '../../src/dsl/model.js'
import { intInput } from '../../src/dsl/expr.js'
import { key } from '../../src/dsl/random.js'
import { sgd } from '../../src/dsl/optim/index.js'
import { flatten, linear, relu, sequential } from '../../src/dsl/index.js'
import type { Examples } from '../../src/runtime/data/examples.js'
import type { DataSource } from '../../src/runtime/data/sources.js'
import { fit } from '../../src/runtime/api/fit.js'
import type { TrainError } from '../../src/runtime/train/errors.js'
import { invalidCount } from '../../src/ops/invalidCount.js'
import { invalidCountHeap } from '../../src/ops/kernels/invalid-count-heap.js'
import { initWasm } from '../../src/runtime/backends/wasm.js'

const mlp = sequential(['N', 1, 4, 4], flatten(), linear(16, 8), relu(), linear(8, 3))
const n = 64
const examples = (patch: (x: Float32Array, y: Int32Array) => void = () => undefined): Examples => {
  const x = new Float32Array(n * 16).map((_, i) => ((i * 7919) % 13) / 13)
  const y = new Int32Array(n).map((_, i) => i % 3)
  patch(x, y)
  return { n, shape: [1, 4, 4], x, targetShape: [], targetDtype: 'int32', y }
}
/** A source that hands over examples as they are (no load-time validation), so the step's own checks are what is tested. */
const raw = (train: Examples): DataSource<readonly [1, 4, 4]> => ({ describe: 'raw', load: () => TE.right({ train, test: undefined, source: 'raw', skipped: [], notes: [] }) })
const fitLeft = async (data: DataSource<readonly [1, 4, 4]>, opts: { lr?: number; epochs?: number } = {}): Promise<TrainError> => {
  const r = await fit(mlp, { data, optimizer: sgd(opts.lr ?? 0.1), epochs: opts.epochs ?? 1, batchSize: 16, backend: 'cpu' })()
  if (E.isRight(r)) throw new Error('expected a training error')
  return r.left
}

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('bad batches', () => {
  it.each([10, -1, 255])('a label %i stops the run naming the batch, before anything is written', async (label) => {
    // example 37 is in the 3rd batch of 16 in stored order; shuffled, it is in some batch: the error names it
    const e = await fitLeft(raw(examples((_, y) => (y[37] = label))))
    expect(e).toMatchObject({ _tag: 'BadBatch', epoch: 1, what: 'targets', count: 1 })
    expect(e.message).toMatch(/^batch [1-4] of epoch 1 \(step [1-4] overall\) has 1 targets the loss cannot use/)
  })

  it.each([Number.NaN, Number.POSITIVE_INFINITY])('one %d pixel stops the run as a bad batch, not as NaN params', async (v) => {
    const e = await fitLeft(raw(examples((x) => (x[5 * 16 + 3] = v))))
    expect(e).toMatchObject({ _tag: 'BadBatch', what: 'inputs', count: 1 })
  })

  it('the compiled step counts them itself: one read with the metrics', () => {
    const out = traceModel(mlp)
    const program = compileTraining(
      { logits: out, labels: intInput('y', ['N']).node, optimizer: sgd(0.1), params: initLeaves(mlp, key(0)), loss: crossEntropy },
      { backend: 'cpu' },
    )
    const x = tf.tensor([1, Number.NaN, 3, Number.NEGATIVE_INFINITY, ...new Array(28).fill(0)], [2, 1, 4, 4])
    const y = tf.tensor1d([3, -2], 'int32')
    const m = program.step(x, y)
    expect([m.invalidInputs.dataSync()[0], m.invalidTargets.dataSync()[0]]).toEqual([2, 2])
    tf.dispose([x, y, m.lossSum, m.correct, m.invalidInputs, m.invalidTargets])
    program.dispose()
  })

  it('empty and disposed batches are typed errors, not kernel crashes', () => {
    const program = compileTraining(
      { logits: traceModel(mlp), labels: intInput('y', ['N']).node, optimizer: sgd(0.1), params: initLeaves(mlp, key(0)) },
      { backend: 'cpu' },
    )
    const empty = [tf.zeros([0, 1, 4, 4]), tf.zeros([0], 'int32')] as const
    expect(() => program.step(empty[0], empty[1])).toThrow(StepInputError)
    expect(() => program.step(empty[0], empty[1])).toThrow('step: the inputs batch is empty (shape [0, 1, 4, 4])')
    const x = tf.zeros([2, 1, 4, 4])
    const y = tf.zeros([2], 'int32')
    x.dispose()
    expect(() => program.evaluate(x, y)).toThrow('evaluate: the inputs tensor was already disposed')
    expect(() => program.predict(x)).toThrow(StepInputError)
    tf.dispose([...empty, y])
    program.dispose()
  })
})

describe('the check kernels', () => {
  it("wasm's one-pass counts equal the reference's on values with NaN, infinities and bad labels", async () => {
    const values = [0, 1.5, -2, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3, 9, 10, -1, 2.5, 255]
    // lengths over several of the SIMD kernel's 4096-element blocks, with a ragged tail
    const data = Float32Array.from({ length: 10003 }, (_, i) => values[(i * 7) % values.length]!)
    const labels = Int32Array.from({ length: 9001 }, (_, i) => [0, 9, 10, -1, 255, 4][i % 6]!)
    const counts = () => {
      const x = tf.tensor(data, [7, 1429])
      const y = tf.tensor(labels, [9001], 'int32')
      const lower = (t: tf.Tensor, a: Parameters<typeof invalidCountHeap>[1]) => (tf.getBackend() === 'wasm' ? invalidCountHeap(t, a) : invalidCount(t, a))
      const r = [lower(x, { check: 'nonFinite' }), lower(x, { check: 'classRange', classes: 10 }), lower(y, { check: 'classRange', classes: 10 })].map((t) => t.dataSync()[0])
      tf.dispose([x, y])
      return r
    }
    const reference = counts()
    await initWasm({ threads: 1 })
    const heap = counts()
    await tf.setBackend('cpu')
    expect(heap).toEqual(reference)
    // NaN and both infinities are non-finite; for labels, everything outside integral 0..9
    expect(reference[0]).toBe(data.filter((v) => !Number.isFinite(v)).length)
    expect(reference[2]).toBe(labels.filter((v) => v < 0 || v >= 10).length)
  })
})

describe('divergence', () => {
  it('a loss that grows past 10x its first step stops the run with epoch and step, while still finite', async () => {
    const e = await fitLeft(raw(examples()), { lr: 1000, epochs: 3 })
    expect(e._tag).toBe('Diverged')
    if (e._tag !== 'Diverged') throw new Error('unreachable')
    expect(Number.isFinite(e.loss)).toBe(true)
    expect(e.message).toMatch(/^training diverged at epoch \d+, step \d+ \(step \d+ overall\): loss [\d.e+]+, over 10x the first step's [\d.]+; try a smaller --lr$/)
  })

  it('a healthy run is not stopped', async () => {
    const r = await fit(mlp, { data: raw(examples()), optimizer: sgd(0.1), epochs: 3, batchSize: 16, backend: 'cpu' })()
    expect(E.isRight(r)).toBe(true)
  })
})

describe('resources', () => {
  it('100 compile/dispose cycles leave numTensors and numBytes flat', () => {
    const spec = { logits: traceModel(mlp), labels: intInput('y', ['N']).node, optimizer: sgd(0.1), params: flattenParams(mlp.init(key(1))) }
    const cycle = () => {
      const p = compileTraining(spec, { backend: 'cpu' })
      const x = tf.ones([4, 1, 4, 4])
      const y = tf.zeros([4], 'int32')
      const m = p.step(x, y)
      const one = tf.ones([1, 1, 4, 4])
      tf.dispose([x, y, one, p.predict(one), m.lossSum, m.correct, m.invalidInputs, m.invalidTargets, ...m.extra])
      p.dispose()
    }
    cycle()
    const before = tf.memory()
    for (let i = 0; i < 100; i++) cycle()
    const after = tf.memory()
    expect(after.numTensors).toBe(before.numTensors)
    expect(after.numBytes).toBe(before.numBytes)
  })
})
