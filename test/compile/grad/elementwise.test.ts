/** Gradients of the elementwise ops (autodiff + interpreter) against tfjs tape gradients, with broadcasting. */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { grad } from '../../../src/compile/autodiff.js'
import { interpret } from '../../../src/compile/interpret.js'
import { mk } from '../../../src/dsl/node.js'
import { checkGrads, leaf, rand, randAway, useCpu, weightedSum } from '../support.js'

beforeAll(useCpu)

const runs = { numRuns: 25 }
const shape = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 })

const unary = {
  neg: { ref: tf.neg, value: rand },
  exp: { ref: tf.exp, value: rand },
  log: { ref: tf.log, value: (s: number[], seed: number) => rand(s, seed, 0.3, 2) },
  sqrt: { ref: tf.sqrt, value: (s: number[], seed: number) => rand(s, seed, 0.3, 2) },
  square: { ref: tf.square, value: rand },
  sigmoid: { ref: tf.sigmoid, value: (s: number[], seed: number) => rand(s, seed, -3, 3) },
  relu: { ref: tf.relu, value: randAway },
  tanh: { ref: tf.tanh, value: (s: number[], seed: number) => rand(s, seed, -2, 2) },
} as const

/** An output shape and two operand shapes that broadcast to it (dims dropped from the front or set to 1). */
const broadcastCase = fc
  .record({ out: fc.array(fc.integer({ min: 2, max: 4 }), { minLength: 1, maxLength: 3 }), drop: fc.tuple(fc.nat(3), fc.nat(3)), ones: fc.tuple(fc.nat(7), fc.nat(7)) })
  .map(({ out, drop, ones }) => {
    const operand = (k: 0 | 1) => out.slice(Math.min(drop[k], out.length)).map((d, i, s) => ((ones[k] >> (s.length - 1 - i)) & 1 ? 1 : d))
    return { out, a: operand(0), b: operand(1) }
  })

describe('elementwise gradients', () => {
  for (const [op, { ref, value }] of Object.entries(unary)) {
    it(`of ${op} match tfjs`, () => {
      fc.assert(
        fc.property(shape, fc.nat(1000), (s, seed) =>
          checkGrads([{ shape: s, value: value(s, seed) }], ([x]) => mk(op as keyof typeof unary, [x!], {}), ([x]) => ref(x!)),
        ),
        runs,
      )
    })
  }

  const binary = { add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div } as const
  for (const [op, ref] of Object.entries(binary)) {
    it(`of broadcasting ${op} match tfjs (summed back to each operand's shape)`, () => {
      fc.assert(
        fc.property(broadcastCase, fc.nat(1000), ({ a, b }, seed) =>
          checkGrads(
            [{ shape: a, value: rand(a, seed) }, { shape: b, value: randAway(b, seed + 5, 0.5, 2) }],
            ([x, y]) => mk(op as keyof typeof binary, [x!, y!], {}),
            ([x, y]) => ref(x!, y!),
          ),
        ),
        runs,
      )
    })
  }

  it('of greater are zero (piecewise constant), also through fan-out', () => {
    const x = leaf('x', [2, 3])
    const y = mk('mul', [x, mk('greater', [x, mk('fill', [], { value: 0 }, [], 'float32')], {})], {}) // relu written by hand
    const [g] = grad(weightedSum(y), [x])
    const xv = randAway([2, 3], 1)
    const w = rand([2, 3], 2)
    const [got] = interpret([g!], { inputs: { w }, params: { x: xv } })
    expect(Array.from(got!.dataSync())).toEqual(Array.from(tf.mul(w, tf.cast(tf.greater(xv, 0), 'float32')).dataSync()))
  })
})
