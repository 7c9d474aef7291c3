/**
 * The embedding layer and models of int32 inputs (token ids): the layer's types, parameter and init
 * (N(0, 1) as nn.Embedding), `model(shape, body, { input: 'int32' })`, and fit / evaluate / predict on
 * in-memory int32 examples, with the typed errors of float data for an int model and of out-of-range ids;
 * crossEntropy over sequences (logits [N, L, C], labels [N, L]).
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  type Expr,
  type IntModel,
  type NamedParams,
  type Tensor,
  input,
  arrays,
  embedding,
  evaluate,
  fit,
  flatten,
  initLayer,
  intInput,
  key,
  linear,
  model,
  paramSlots,
  predict,
  traceModel,
  uniform,
} from '../../src/index.js'
import { interpret } from '../../src/compile/interpret.js'
import { crossEntropy } from '../../src/dsl/losses.js'
import { mk } from '../../src/dsl/node.js'
import { useCpu } from '../compile/support.js'

const backend = 'cpu' as const

/** Pairs of tokens in 0..4; the label is the first token. */
const firstToken = (n: number, seed: number) => {
  const x = Int32Array.from(uniform(key(seed), 2 * n, 0, 5), Math.floor)
  const y = Int32Array.from({ length: n }, (_, i) => x[2 * i]!)
  return { shape: [2] as const, x, y }
}

const tokenModel = () => {
  const tok = embedding(5, 8)
  const flat = flatten()
  const head = linear(16, 5)
  return model(['N', 2], (t) => head(flat(tok(t))), { input: 'int32' })
}

describe('embedding layer', () => {
  it('maps int32 [...I] to [...I, D] with weight [V, D] drawn from N(0, 1)', () => {
    const tok = embedding(10, 4)
    const y = tok(intInput('t', ['N', 8]))
    expectTypeOf(y).toEqualTypeOf<Expr<readonly ['N', 8, 4], 'float32'>>()
    expect(y.shape).toEqual(['N', 8, 4])
    expect(tok.describe).toBe('Embedding(10, 4)')
    expect(tok.params.weight.shape).toEqual([10, 4])
    const big = initLayer(embedding(100, 100), key(3)).weight
    const mean = big.data.reduce((a, v) => a + v, 0) / big.data.length
    const std = Math.sqrt(big.data.reduce((a, v) => a + (v - mean) ** 2, 0) / big.data.length)
    expect(Math.abs(mean)).toBeLessThan(0.03)
    expect(Math.abs(std - 1)).toBeLessThan(0.03)
    // @ts-expect-error float inputs are not token ids
    expect(() => tok(input('u', ['N']))).toThrow('ShapeError: embedding expects int32 indices but got float32')
  })

  it("is a model's first layer with { input: 'int32' }: the traced input is int32", () => {
    const m = tokenModel()
    expectTypeOf(m).toEqualTypeOf<IntModel<readonly ['N', 2], readonly ['N', 5], NamedParams>>()
    expect(m.inputDtype).toBe('int32')
    const x = topoInput(traceModel(m))
    expect(x).toEqual({ name: 'x', dtype: 'int32' })
    expect(paramSlots(m).map((s) => s.name)).toEqual(['embedding0.weight', 'linear0.weight', 'linear0.bias'])
    const p = m.init(key(0)) as { embedding0: { weight: Tensor } }
    expect(p.embedding0.weight.shape).toEqual([5, 8])
  })

  it('trains with fit on int32 examples, and evaluates and predicts from them', async () => {
    const m = tokenModel()
    const data = arrays(firstToken(512, 1), firstToken(128, 2))
    const r = await fit(m, { data, optimizer: 'adam', lr: 0.05, epochs: 6, batchSize: 64, backend })()
    if (E.isLeft(r)) expect.fail(r.left.message)
    expect(r.right.history.at(-1)!.testAcc).toBeGreaterThan(0.95)
    const ev = await evaluate(m, r.right.params, { data, backend })()
    if (E.isLeft(ev)) expect.fail(ev.left.message)
    expect(ev.right.acc).toBeGreaterThan(0.95)
    const out = await predict(m, r.right.params, Int32Array.from([3, 0, 1, 4]), { backend })()
    if (E.isLeft(out)) expect.fail(out.left.message)
    expect(out.right.shape).toEqual([2, 5])
    const argmax = (row: number) => [0, 1, 2, 3, 4].reduce((b, k) => (out.right.data[row * 5 + k]! > out.right.data[row * 5 + b]! ? k : b), 0)
    expect([argmax(0), argmax(1)]).toEqual([3, 1])
    const frac = await predict(m, r.right.params, [3.5, 0], { backend })()
    expect(E.isLeft(frac) && frac.left.message).toContain('input value 3.5 at index 0 (example 0) is not an integer')
  })

  it('float data for an int32 model is a typed shape error; out-of-range ids are counted as invalid inputs', async () => {
    const m = tokenModel()
    const floats = { shape: [2] as const, x: new Float32Array([0, 1, 2, 3]), y: new Int32Array([0, 2]) }
    const r = await fit(m, { data: arrays(floats), epochs: 1, backend })()
    expect(E.isLeft(r) && r.left.message).toContain('the model expects int32 inputs but the data has float32 inputs')
    const bad = { shape: [2] as const, x: Int32Array.from([0, 1, 2, 9]), y: new Int32Array([0, 2]) }
    const r2 = await fit(m, { data: arrays(bad), epochs: 1, backend })()
    expect(E.isLeft(r2) && r2.left.message).toBe("batch 1 of epoch 1 (step 1 overall) has 1 input values that are NaN or infinite (or token ids outside an embedding's vocabulary)")
  })
})

const topoInput = (n: { op: string; attrs: unknown; inputs: readonly unknown[] }): unknown => {
  if (n.op === 'input') return n.attrs
  for (const i of n.inputs) {
    const f = topoInput(i as typeof n)
    if (f !== undefined) return f
  }
  return undefined
}

describe('crossEntropy over sequences', () => {
  it('takes logits [N, L, C] and labels [N, L]: the mean over every position, accuracy the fraction of positions right', async () => {
    await useCpu()
    const logits = mk('input', [], { name: 'o', dtype: 'float32' }, ['N', 3, 4], 'float32')
    expect(crossEntropy.target.shape(logits.shape)).toEqual(['N', 3])
    const labels = mk('input', [], { name: 'y', dtype: 'int32' }, ['N', 3], 'int32')
    const o = tf.tensor3d(Float32Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7)), [2, 3, 4])
    const y = tf.tensor2d([[0, 1, 2], [3, 3, 0]], [2, 3], 'int32')
    const [mean, correct] = interpret([crossEntropy.mean(logits, labels), crossEntropy.correct!(logits, labels)], { inputs: { o, y }, params: {} })
    const rows = tf.reshape(o, [6, 4])
    const want = tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(tf.reshape(y, [6]) as never, 4), tf.logSoftmax(rows)), 1)))
    expect(mean!.dataSync()[0]).toBeCloseTo(want.dataSync()[0]!, 5)
    const hits = tf.sum(tf.cast(tf.equal(tf.argMax(rows, 1), tf.reshape(y, [6])), 'float32')).dataSync()[0]!
    expect(correct!.dataSync()[0]).toBeCloseTo(hits / 3, 6)
    expect(() => crossEntropy.target.shape(['N'])).toThrow('crossEntropy expects logits [N, C] but got [N]')
  })
})
