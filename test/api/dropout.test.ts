/**
 * Dropout: the mask is a function of the call's key and the layer's place (`dropoutScale`); a training
 * step draws from `foldIn(runKey, step)`, so consecutive steps use different masks and the same run key
 * repeats them; the gradient multiplies by the forward's mask; `evaluate` and `predict` run the inference
 * form (dropout is the identity), so their results equal those of the same weights without dropout.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { grad } from '../../src/compile/autodiff.js'
import { dropoutScale } from '../../src/compile/interpret.js'
import { lower } from '../../src/compile/lower.js'
import { inferenceForm } from '../../src/compile/modes.js'
import { optimize } from '../../src/compile/pipeline.js'
import { compileTraining } from '../../src/compile/train.js'
import { mk, topo } from '../../src/dsl/node.js'
import {
  F,
  arrays,
  batchNorm2d,
  conv2d,
  dropout,
  flatten,
  evaluate,
  fit,
  flattenParams,
  initLeaves,
  input,
  intInput,
  key,
  linear,
  model,
  mse,
  predict,
  relu,
  sequential,
  sgd,
  traceModel,
  uniform,
} from '../../src/index.js'
import { leaf, useCpu } from '../compile/support.js'

beforeAll(useCpu)

/** Disposes every tensor of a step's metrics (whatever fields StepMetrics has). */
const release = (m: object) => tf.dispose(Object.values(m).flat() as tf.Tensor[])

const rows = (n: number, d: number, seed: number) => uniform(key(seed), n * d, -1, 1)

/** The same two-layer MLP over [N, 4], with dropout(rate) after the hidden relu, or without it. */
const mlp = (rate: number | undefined) =>
  model(['N', 4], (x) => {
    const h = relu()(linear(4, 16)(x))
    return linear(16, 3)(rate === undefined ? h : dropout(rate)(h))
  })

describe('dropout masks', () => {
  it('a lowered dropout draws its mask from the call key: a different key, a different mask; the same key, the same', () => {
    const out = mk('dropout', [input('x', ['N', 64]).node], { rate: 0.5, stream: 'dropout0' })
    const f = lower([out], { backend: 'cpu' })
    const x = tf.ones([2, 64])
    const run = (k: readonly [number, number]) => {
      const [y] = f({ inputs: { x }, params: {}, key: k })
      const v = Array.from(y!.dataSync())
      y!.dispose()
      return v
    }
    const a = run(key(1))
    const b = run(key(2))
    expect(run(key(1))).toEqual(a)
    expect(b).not.toEqual(a)
    // inverted dropout: kept elements are scaled by 1 / (1 - rate), and about half are dropped
    expect(new Set(a)).toEqual(new Set([0, 2]))
    const dropped = a.filter((v) => v === 0).length
    expect(dropped).toBeGreaterThan(32)
    expect(dropped).toBeLessThan(96)
    // exactly dropoutScale's mask
    expect(a).toEqual(Array.from(dropoutScale(key(1), 'dropout0', 0.5, 128)))
    // training form without a key is an error, not a silent identity
    expect(() => f({ inputs: { x }, params: {} })).toThrow(/needs a random key/)
    // two dropout layers in one model draw different masks (their streams differ)
    const two = model(['N', 64], (z) => F.add(dropout(0.5)(z), dropout(0.5)(z)))
    const streams = topo([traceModel(two)]).filter((n) => n.op === 'dropout').map((n) => (n.attrs as { stream: string }).stream)
    expect(new Set(streams).size).toBe(2)
    f.dispose()
    x.dispose()
  })

  it('the gradient of dropout multiplies by the mask of the forward pass', () => {
    const p = leaf('p', [3, 40])
    const y = mk('dropout', [p], { rate: 0.3, stream: 'd' })
    const w = input('w', [3, 40]).node
    const loss = mk('sum', [mk('mul', [y, w], {})], { axes: [0, 1], keepDims: false })
    const [g] = grad(loss, [p])
    const f = lower(optimize([y, g!]), { backend: 'cpu' })
    const pv = tf.tensor(uniform(key(4), 120, 0.5, 1.5), [3, 40])
    const wv = tf.tensor(uniform(key(5), 120, 0.5, 1.5), [3, 40])
    const k = key(9)
    const [yv, gv] = f({ inputs: { w: wv }, params: { p: pv }, key: k })
    const mask = dropoutScale(k, 'd', 0.3, 120)
    const [yh, gh, ph, wh] = [yv!.dataSync(), gv!.dataSync(), pv.dataSync(), wv.dataSync()]
    expect(mask.some((m) => m === 0)).toBe(true)
    for (let i = 0; i < 120; i++) {
      expect(yh[i]).toBeCloseTo(mask[i]! * ph[i]!, 5)
      expect(gh[i]).toBeCloseTo(mask[i]! * wh[i]!, 5)
      // zero gradient exactly where the forward dropped
      expect(gh[i] === 0).toBe(yh[i] === 0)
    }
    tf.dispose([yv!, gv!, pv, wv])
    f.dispose()
  })

  it('consecutive training steps use different masks; the same run key repeats them', () => {
    const m = mlp(0.5)
    const params = initLeaves(m, key(0))
    const program = (k: number) =>
      compileTraining({ logits: traceModel(m), labels: intInput('y', ['N']).node, optimizer: sgd(1e-20), params, key: key(k) }, { backend: 'cpu' })
    const x = tf.tensor(rows(16, 4, 1), [16, 4])
    const y = tf.tensor(Int32Array.from({ length: 16 }, (_, i) => i % 3), [16], 'int32')
    const losses = (k: number, steps: number) => {
      const prog = program(k)
      const out = Array.from({ length: steps }, () => {
        const s = prog.step(x, y)
        const v = s.lossSum.dataSync()[0]!
        release(s)
        return v
      })
      prog.dispose()
      return out
    }
    // lr 1e-20: the weights do not change in float32, so only the masks can change the loss
    const a = losses(1, 3)
    expect(a[1]).not.toBe(a[0])
    expect(a[2]).not.toBe(a[1])
    expect(losses(1, 3)).toEqual(a)
    expect(losses(2, 1)[0]).not.toBe(a[0])
    // the same model without dropout: every step the same loss
    const plain = compileTraining({ logits: traceModel(mlp(undefined)), labels: intInput('y', ['N']).node, optimizer: sgd(1e-20), params }, { backend: 'cpu' })
    const b = [0, 1].map(() => {
      const s = plain.step(x, y)
      const v = s.lossSum.dataSync()[0]!
      release(s)
      return v
    })
    expect(b[1]).toBeCloseTo(b[0]!, 6)
    // the program's own evaluate and predict are the inference form: equal to the dropout-free model
    const withDrop = program(1)
    const e1 = withDrop.evaluate(x, y)
    const e2 = plain.evaluate(x, y)
    expect(e1.lossSum.dataSync()[0]).toBeCloseTo(e2.lossSum.dataSync()[0]!, 5)
    const p1 = withDrop.predict(x)
    const p2 = plain.predict(x)
    expect(Array.from(p1.dataSync())).toEqual(Array.from(p2.dataSync()))
    release(e1)
    release(e2)
    tf.dispose([p1, p2, x, y])
    withDrop.dispose()
    plain.dispose()
  })

  it('one dropout layer called twice draws two masks (its second call is its own stream), and retracing repeats them', () => {
    const d = dropout(0.5)
    const m = model(['N', 64], (x) => F.sub(d(x), d(x)))
    const streams = () => topo([traceModel(m)]).flatMap((n) => (n.op === 'dropout' ? [(n.attrs as { stream: string }).stream] : []))
    expect(streams()).toEqual(['dropout0', 'dropout0:1'])
    expect(streams()).toEqual(['dropout0', 'dropout0:1'])
    const f = lower([traceModel(m)], { backend: 'cpu' })
    const x = tf.ones([1, 64])
    const [y] = f({ inputs: { x }, params: {}, key: key(3) })
    // the same input through two masks: not all zero
    expect(Array.from(y!.dataSync()).some((v) => v !== 0)).toBe(true)
    tf.dispose([x, y!])
    f.dispose()
  })

  it('inferenceForm removes every dropout', () => {
    const [out] = inferenceForm([traceModel(mlp(0.5))])
    expect(topo([out!]).some((n) => n.op === 'dropout')).toBe(false)
    expect(topo([traceModel(mlp(0.5))]).some((n) => n.op === 'dropout')).toBe(true)
  })
})

describe('evaluate and predict with dropout', () => {
  const n = 48
  const xs = rows(n, 4, 21)
  const labels = Int32Array.from({ length: n }, (_, i) => (xs[4 * i]! > 0 ? 1 : 0) + (xs[4 * i + 1]! > 0 ? 1 : 0))
  const data = arrays({ shape: [4], x: xs, y: labels }, { shape: [4], x: xs, y: labels })

  it("evaluate's loss equals the same weights' loss without dropout (not inflated by a mask)", async () => {
    const params = mlp(0.5).init(key(3))
    const withDrop = await evaluate(mlp(0.5), params, { data, backend: 'cpu' })()
    const without = await evaluate(mlp(undefined), params, { data, backend: 'cpu' })()
    if (E.isLeft(withDrop) || E.isLeft(without)) expect.fail('evaluate failed')
    expect(withDrop.right.count).toBe(n)
    expect(withDrop.right.loss).toBeCloseTo(without.right.loss, 6)
    expect(withDrop.right.acc).toBe(without.right.acc)
    // and the same for a sequential whose dropout sits where an identity (a second relu) would
    const seqDrop = sequential(['N', 4], linear(4, 16), relu(), dropout(0.9), linear(16, 3))
    const seqPlain = sequential(['N', 4], linear(4, 16), relu(), relu(), linear(16, 3))
    const sp = seqDrop.init(key(8))
    const a = await evaluate(seqDrop, sp, { data, backend: 'cpu' })()
    const b = await evaluate(seqPlain, sp as never, { data, backend: 'cpu' })()
    if (E.isLeft(a) || E.isLeft(b)) expect.fail('evaluate failed')
    expect(a.right.loss).toBeCloseTo(b.right.loss, 6)
  })

  it('a training run with dropout is the same on cpu and wasm (same masks in forward and gradient, whatever the layout)', async () => {
    const conv = sequential(
      ['N', 1, 6, 6],
      conv2d(1, 3, { kernel: 3, padding: 1 }),
      batchNorm2d(3),
      relu(),
      dropout(0.5),
      flatten(),
      linear(108, 3),
    )
    const m = 24
    const images = uniform(key(31), m * 36, 0, 1)
    const classes = Int32Array.from({ length: m }, (_, i) => i % 3)
    const convData = arrays({ shape: [1, 6, 6], x: images, y: classes })
    const runOn = async (b: 'cpu' | 'wasm') => {
      const r = await fit(conv, { data: convData, epochs: 2, batchSize: 8, optimizer: sgd(0.1), seed: 5, backend: b })()
      if (E.isLeft(r)) expect.fail(r.left.message)
      return r.right
    }
    const onCpu = await runOn('cpu')
    const onWasm = await runOn('wasm')
    expect(onWasm.report.backend).toBe('wasm')
    onCpu.history.forEach((h, i) => expect(onWasm.history[i]!.loss).toBeCloseTo(h.loss, 4))
    const a = flattenParams(onCpu.params as never)
    const b = flattenParams(onWasm.params as never)
    for (const [name, t] of Object.entries(a)) {
      const u = b[name]!.data
      t.data.forEach((v, k) => expect(Math.abs(u[k]! - v), `${name}[${k}]`).toBeLessThan(1e-4))
    }
    await useCpu()
  })

  it('predict is deterministic and equals the dropout-free model', async () => {
    const params = mlp(0.5).init(key(3))
    const p1 = await predict(mlp(0.5), params, xs, { backend: 'cpu' })()
    const p2 = await predict(mlp(0.5), params, xs, { backend: 'cpu' })()
    const p3 = await predict(mlp(undefined), params, xs, { backend: 'cpu' })()
    if (E.isLeft(p1) || E.isLeft(p2) || E.isLeft(p3)) expect.fail('predict failed')
    expect(p1.right.shape).toEqual([n, 3])
    expect(Array.from(p1.right.data)).toEqual(Array.from(p2.right.data))
    expect(Array.from(p1.right.data)).toEqual(Array.from(p3.right.data))
  })

  it("fit's per-epoch test loss is the inference form's (equal to evaluate of the trained params without dropout)", async () => {
    // a regression head so the history reports the test loss
    const reg = (rate: number | undefined) =>
      model(['N', 4], (x) => {
        const h = relu()(linear(4, 16)(x))
        return linear(16, 1)(rate === undefined ? h : dropout(rate)(h))
      })
    const targets = Float32Array.from({ length: n }, (_, i) => xs[4 * i]! - xs[4 * i + 2]!)
    const regData = arrays({ shape: [4], x: xs, y: targets }, { shape: [4], x: xs, y: targets })
    const r = await fit(reg(0.5), { data: regData, loss: mse, epochs: 2, batchSize: 16, optimizer: sgd(0.05), backend: 'cpu' })()
    if (E.isLeft(r)) expect.fail(r.left.message)
    const last = r.right.history.at(-1)!
    expect(last.testLoss).toBeDefined()
    const ev = await evaluate(reg(undefined), r.right.params, { data: regData, loss: mse, backend: 'cpu' })()
    if (E.isLeft(ev)) expect.fail(ev.left.message)
    expect(last.testLoss!).toBeCloseTo(ev.right.loss, 5)
    expect(flattenParams(r.right.params)['linear1.weight']!.shape).toEqual([1, 16])
  })
})
