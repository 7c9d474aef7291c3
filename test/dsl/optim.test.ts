/**
 * The optimizers' update graphs, run by the reference interpreter on the cpu backend, against the textbook
 * formulas computed on the host in float64, over random parameters, gradients, states and steps.
 */
import '@tensorflow/tfjs-backend-cpu'
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { interpret } from '../../src/compile/interpret.js'
import { mk, type Node } from '../../src/dsl/node.js'
import { type Optimizer, adam, exponentialDecay, momentum, sgd } from '../../src/dsl/optim/index.js'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const N = 6
const param = (name: string): Node => mk('param', [], { name, init: 'zeros', fanIn: N, fanOut: N }, [N], 'float32')
const w = param('w')
const g = mk('input', [], { name: 'g', dtype: 'float32' }, [N], 'float32')
const step = mk('input', [], { name: '@step', dtype: 'float32' }, [], 'float32')

/** Runs `steps` updates through the interpreter, feeding each result back; returns the final param and state. */
const runGraph = (opt: Optimizer, p0: number[], grads: number[][], t0: number): { p: number[]; state: number[][] } => {
  const slots = opt.slots.map((s) => param(`w@${s}`))
  const upd = opt.update(w, g, slots, step)
  let p = p0
  let state = opt.slots.map(() => new Array<number>(N).fill(0))
  grads.forEach((gv, i) => {
    const params: Record<string, tf.Tensor> = { w: tf.tensor1d(p) }
    opt.slots.forEach((s, k) => (params[`w@${s}`] = tf.tensor1d(state[k]!)))
    const inputs = { g: tf.tensor1d(gv), '@step': tf.scalar(t0 + i) }
    const outs = interpret([upd.param, ...upd.state], { inputs, params })
    const host = outs.map((o) => Array.from(o.dataSync()))
    tf.dispose([...outs, ...Object.values(params), ...Object.values(inputs)])
    p = host[0]!
    state = host.slice(1)
  })
  return { p, state }
}

const vec = fc.array(fc.float({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }), { minLength: N, maxLength: N })
const f32 = (xs: number[]) => Array.from(Float32Array.from(xs))
const close = (got: number[], want: number[], rel = 2e-5) =>
  got.forEach((x, i) => expect(Math.abs(x - want[i]!)).toBeLessThanOrEqual(rel * (1 + Math.abs(want[i]!))))

describe('optimizers build the textbook update as IR', () => {
  it('sgd: p - lr g', () => {
    fc.assert(
      fc.property(vec, fc.array(vec, { minLength: 1, maxLength: 3 }), fc.double({ min: 1e-4, max: 2, noNaN: true }), (p0, grads, lr) => {
        let p = f32(p0)
        for (const gv of grads) p = p.map((x, i) => Math.fround(x - Math.fround(lr) * gv[i]!))
        close(runGraph(sgd(lr), f32(p0), grads.map(f32), 1).p, p)
      }),
      { numRuns: 25 },
    )
  })

  it('momentum: v = beta v + g, p - lr v', () => {
    fc.assert(
      fc.property(vec, fc.array(vec, { minLength: 1, maxLength: 3 }), fc.double({ min: 1e-4, max: 1, noNaN: true }), fc.double({ min: 0, max: 0.99, noNaN: true }), (p0, grads, lr, beta) => {
        let p = f32(p0).map(Number)
        let v = new Array<number>(N).fill(0)
        for (const gv of grads) {
          v = v.map((x, i) => beta * x + gv[i]!)
          p = p.map((x, i) => x - lr * v[i]!)
        }
        const got = runGraph(momentum(lr, beta), f32(p0), grads.map(f32), 1)
        close(got.state[0]!, v, 1e-4)
        close(got.p, p, 1e-4)
      }),
      { numRuns: 25 },
    )
  })

  it('adam: bias-corrected moments, from any starting step', () => {
    fc.assert(
      fc.property(
        vec,
        fc.array(vec, { minLength: 1, maxLength: 3 }),
        fc.double({ min: 1e-4, max: 0.1, noNaN: true }),
        fc.integer({ min: 1, max: 500 }),
        fc.constantFrom(0, 0.5, 0.9),
        (p0, grads, lr, t0, b1) => {
          const b2 = 0.999
          const eps = 1e-8
          let p = f32(p0).map(Number)
          let m = new Array<number>(N).fill(0)
          let v = new Array<number>(N).fill(0)
          grads.forEach((gv, k) => {
            const t = t0 + k
            m = m.map((x, i) => b1 * x + (1 - b1) * gv[i]!)
            v = v.map((x, i) => b2 * x + (1 - b2) * gv[i]! ** 2)
            p = p.map((x, i) => x - (lr * (m[i]! / (1 - b1 ** t))) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + eps))
          })
          const got = runGraph(adam(lr, { b1, b2, eps }), f32(p0), grads.map(f32), t0)
          close(got.state[0]!, m, 1e-4)
          close(got.state[1]!, v, 1e-4)
          // b2^t near 1 loses float32 digits in 1 - b2^t; the step itself is at most ~lr per element.
          got.p.forEach((x, i) => expect(Math.abs(x - p[i]!)).toBeLessThanOrEqual(1e-3 * lr + 2e-6 * (1 + Math.abs(p[i]!))))
        },
      ),
      { numRuns: 25 },
    )
  })

  it('name their slots as the contract says and reject bad hyperparameters', () => {
    expect([sgd(0.1).slots, momentum(0.1).slots, adam(0.1).slots]).toEqual([[], ['velocity'], ['m', 'v']])
    expect(() => sgd(0)).toThrow(/lr must be positive/)
    expect(() => momentum(0.1, 1)).toThrow(/beta must be in \[0, 1\)/)
    expect(() => adam(Number.NaN)).toThrow(/lr/)
    expect(() => momentum(0.1).update(w, g, [], step)).toThrow(/expected 1 state slots/)
  })

  it('keep every update node the shape of its parameter', () => {
    for (const opt of [sgd(0.1), momentum(0.1), adam(0.1)]) {
      const u = opt.update(w, g, opt.slots.map((s) => param(`w@${s}`)), step)
      for (const n of [u.param, ...u.state]) expect(n.shape).toEqual([N])
    }
  })
})

describe('exponentialDecay', () => {
  it('multiplies the rate by `rate` every `steps` steps, smoothly per step', async () => {
    const step = mk('input', [], { name: '@step', dtype: 'float32' }, [], 'float32')
    const lr = exponentialDecay(0.01, { rate: 0.5, steps: 10 }).at(step)
    for (const t of [1, 6, 11, 21]) {
      const [v] = interpret([lr], { inputs: { '@step': tf.scalar(t) }, params: {} })
      expect((await v!.data())[0]).toBeCloseTo(0.01 * 0.5 ** ((t - 1) / 10), 7)
    }
    expect(() => exponentialDecay(0.01, { rate: 0, steps: 10 })).toThrow(RangeError)
  })
})
