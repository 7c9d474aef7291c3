/**
 * Test helpers for the interpreter and autodiff: the cpu backend with tfjs gradients, seeded tensors,
 * LeNet written directly in tfjs ops, tolerance checks, and a harness that compares our gradients
 * (autodiff + interpreter) with tfjs's tape gradients.
 */
import * as tf from '@tensorflow/tfjs-core'
import type { Key } from '../../src/dsl/random.js'
import * as E from 'fp-ts/lib/Either.js'
import { expect } from 'vitest'
import { grad } from '../../src/compile/autodiff.js'
import { interpret } from '../../src/compile/interpret.js'
import { type Node, mk } from '../../src/dsl/node.js'
import { key, uniform } from '../../src/dsl/random.js'
import type { RShape } from '../../src/dsl/shape.js'
import type { Tensor as HostTensor } from '../../src/dsl/tensor.js'
import { selectBackend } from '../../src/runtime/backends/select.js'

/** Makes tfjs's cpu backend active with gradients registered (for `tf.grads`). */
export const useCpu = async (): Promise<void> => {
  const r = await selectBackend('cpu')()
  if (E.isLeft(r)) throw new Error(r.left.message)
}

/** A seeded float tensor with entries uniform in [lo, hi). */
export const rand = (shape: readonly number[], seed: number, lo = -1, hi = 1): tf.Tensor =>
  tf.tensor(uniform(key(seed), shape.reduce((a, b) => a * b, 1), lo, hi), [...shape])

/** Like `rand`, but every |entry| is in [lo, hi) with a random sign (away from 0, e.g. for relu or div). */
export const randAway = (shape: readonly number[], seed: number, lo = 0.2, hi = 2): tf.Tensor =>
  tf.mul(rand(shape, seed, lo, hi), tf.sign(rand(shape, seed + 1)))

/** A host tensor on the active backend. */
export const fromHost = (t: HostTensor): tf.Tensor => tf.tensor(t.data, [...(t.shape as readonly number[])])

/** Asserts |a - b| <= atol + rtol * |b| elementwise (and equal shapes), naming the first bad element. */
export const expectClose = (a: tf.Tensor, b: tf.Tensor, rtol = 1e-3, atol = 1e-4, what = ''): void => {
  expect(a.shape, `${what} shape`).toEqual(b.shape)
  const [x, y] = [a.dataSync(), b.dataSync()]
  for (let i = 0; i < x.length; i++) {
    if (!(Math.abs(x[i]! - y[i]!) <= atol + rtol * Math.abs(y[i]!)))
      expect.fail(`${what} element ${i}: got ${x[i]} but expected ${y[i]} (rtol ${rtol}, atol ${atol})`)
  }
}

/** A float param leaf, for differentiating w.r.t. it. */
export const leaf = (name: string, shape: RShape): Node => mk('param', [], { name, init: 'zeros', fanIn: 1, fanOut: 1 }, shape, 'float32')

/** sum(y * w) over all axes, with w a float input named `w`: a scalar whose gradient w.r.t. y is w. */
export const weightedSum = (y: Node): Node =>
  mk('sum', [mk('mul', [y, mk('input', [], { name: 'w', dtype: 'float32' }, y.shape, 'float32')], {})], {
    axes: y.shape.map((_, i) => i),
    keepDims: false,
  })

/** One differentiated operand: its shape and value. */
export interface Operand {
  readonly shape: readonly number[]
  readonly value: tf.Tensor
}

/**
 * Builds `f` over param leaves p0.., takes grad(sum(f * w)) with our autodiff, evaluates it with the
 * interpreter, and compares with tfjs's tape gradients of sum(ref * w). Extra non-differentiated
 * inputs (e.g. int labels) go in `inputs` and are passed to both sides.
 */
export const checkGrads = (
  operands: readonly Operand[],
  f: (leaves: Node[]) => Node,
  ref: (values: tf.Tensor[]) => tf.Tensor,
  opts: { seed?: number; rtol?: number; atol?: number; inputs?: Record<string, tf.Tensor>; key?: Key } = {},
): void => {
  tf.tidy(() => {
    const leaves = operands.map((o, i) => leaf(`p${i}`, o.shape))
    const y = f(leaves)
    const w = rand(y.shape as number[], opts.seed ?? 99)
    const grads = grad(weightedSum(y), leaves)
    const params = Object.fromEntries(operands.map((o, i) => [`p${i}`, o.value]))
    const [value, ...ours] = interpret([y, ...grads], { inputs: { w, ...opts.inputs }, params, ...(opts.key ? { key: opts.key } : {}) })
    expectClose(value!, ref(operands.map((o) => o.value)), 1e-4, 1e-5, 'forward value')
    const theirs = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(ref(xs), w)))(operands.map((o) => o.value))
    ours.forEach((g, i) => expectClose(g, theirs[i]!, opts.rtol ?? 1e-3, opts.atol ?? 1e-4, `d/dp${i}`))
  })
}

/**
 * Asserts that `dx`, autodiff's gradient of the scalar `f` w.r.t. the param leaf `x` (fed `v`, shape `shape`),
 * matches central differences with step 1e-2 within `tol`, at every `stride`-th element. `inputs` and `params`
 * feed the graph's other leaves.
 */
export const expectCentralDifferences = (c: {
  readonly f: Node
  readonly dx: Node
  readonly x: string
  readonly shape: readonly number[]
  readonly v: Float32Array
  readonly inputs: Record<string, tf.Tensor>
  readonly params?: Record<string, tf.Tensor>
  readonly stride?: number
  readonly tol?: number
}): void =>
  tf.tidy(() => {
    const run = (n: Node, values: Float32Array) =>
      interpret([n], { inputs: c.inputs, params: { ...c.params, [c.x]: tf.tensor(values, [...c.shape]) } })[0]!.dataSync()
    const ours = run(c.dx, c.v)
    const h = 1e-2
    const bump = (i: number, by: number) => Float32Array.from(c.v, (e, j) => (j === i ? e + by : e))
    for (let i = 0; i < c.v.length; i += c.stride ?? 1) {
      const numeric = (run(c.f, bump(i, h))[0]! - run(c.f, bump(i, -h))[0]!) / (2 * h)
      expect(Math.abs(ours[i]! - numeric), `d/d${c.x}[${i}]`).toBeLessThan(c.tol ?? 2e-3)
    }
  })

