/**
 * F.dropout(x, rate, stream): S -> S typed, a literal rate outside [0, 1) the ShapeError at `rate` (same
 * text at run time), the mask a pure function of (key, stream), the gradient (dropout of dy, same mask)
 * against tfjs's, the lowering against the interpreter on cpu and wasm, and the identity in ONNX.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { grad } from '../../src/compile/autodiff.js'
import { dropoutScale, interpret } from '../../src/compile/interpret.js'
import { lower } from '../../src/compile/lower.js'
import { optimize } from '../../src/compile/pipeline.js'
import { type Expr, expr, input } from '../../src/dsl/expr.js'
import * as F from '../../src/dsl/fn.js'
import { type Node, mk } from '../../src/dsl/node.js'
import { key } from '../../src/dsl/random.js'
import type { DropoutRate } from '../../src/types/index.js'
import { checkGrads, leaf, rand, useCpu } from '../compile/support.js'
import { randomInput, roundTrip } from '../runtime/export/support.js'
import { BACKENDS, useBackend } from '../support/backends.js'
import { type HostFeeds, disposeFeeds, hostFeeds, toTensors } from '../support/feeds.js'

describe('F.dropout', () => {
  const x = input('x', ['N', 10])

  it('is S -> S with an explicit stream; a literal rate outside [0, 1) is the ShapeError at `rate`', () => {
    const y = F.dropout(x, 0.25, 'drop')
    expectTypeOf(y).toEqualTypeOf<Expr<readonly ['N', 10], 'float32'>>()
    expect(y.node.op).toBe('dropout')
    expect(y.node.attrs).toEqual({ rate: 0.25, stream: 'drop' })
    expectTypeOf<DropoutRate<0>>().toEqualTypeOf<0>()
    expectTypeOf<DropoutRate<1e-7>>().toEqualTypeOf<1e-7>()
    expectTypeOf<DropoutRate<number>>().toEqualTypeOf<number>()
    expectTypeOf<DropoutRate<1>>().toEqualTypeOf<'ShapeError: dropout rate must be in [0, 1) but got 1'>()
    expectTypeOf<DropoutRate<-0.5>>().toEqualTypeOf<'ShapeError: dropout rate must be in [0, 1) but got -0.5'>()
    // type-only: not called
    void (() => {
      // @ts-expect-error -- 'ShapeError: dropout rate must be in [0, 1) but got 1.5'
      F.dropout(x, 1.5, 'drop')
    })
    expect(() => (F.dropout as (...a: unknown[]) => unknown)(x, 1.5, 'drop')).toThrow('ShapeError: dropout rate must be in [0, 1) but got 1.5')
  })

  it('draws its mask from (key, stream): the same pair reproduces it, another stream draws another', async () => {
    await useCpu()
    const p = leaf('x', [400])
    const ones = tf.ones([400])
    const run = (stream: string, seed: number) =>
      interpret([F.dropout(expr<readonly number[]>(p), 0.5, stream).node], { inputs: {}, params: { x: ones }, key: key(seed) })[0]!.dataSync()
    const a = run('a', 1)
    expect(Array.from(a)).toEqual(Array.from(dropoutScale(key(1), 'a', 0.5, 400)))
    expect(Array.from(run('a', 1))).toEqual(Array.from(a))
    expect(Array.from(run('b', 1))).not.toEqual(Array.from(a))
    expect(Array.from(run('a', 2))).not.toEqual(Array.from(a))
  })

  it("has tfjs's gradient of x * mask over random shapes and rates", async () => {
    await useCpu()
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), fc.constantFrom(0, 0.2, 0.5, 0.9), fc.nat(1000), (s, rate, seed) => {
        const n = s.reduce((a, b) => a * b, 1)
        const mask = tf.tensor(dropoutScale(key(seed), 's', rate, n), s)
        checkGrads([{ shape: s, value: rand(s, seed) }], ([v]) => F.dropout(expr<readonly number[]>(v!), rate, 's').node, ([v]) => tf.mul(v!, mask), { key: key(seed) })
      }),
      { numRuns: 20 },
    )
  })

  describe.each(BACKENDS)('lowered on %s', (backend) => {
    it('equals the interpreter, forward and gradients, with the same mask', async () => {
      const xi = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 6], 'float32')
      const w = mk('param', [], { name: 'w', init: 'xavierUniform', fanIn: 6, fanOut: 4 }, [6, 4], 'float32')
      const h = F.dropout(expr<readonly number[]>(mk('matMul', [F.dropout(expr<readonly number[]>(xi), 0.3, 'in').node, w], { transposeA: false, transposeB: false })), 0.5, 'hidden').node
      const loss = mk('mean', [mk('square', [h], {})], { axes: [0, 1], keepDims: false })
      const roots: Node[] = [h, loss, ...grad(loss, [w])]
      const feeds: HostFeeds = hostFeeds(roots, 3)
      const host = (ts: tf.Tensor[]) => ts.map((t) => Array.from(t.dataSync()))
      await useCpu()
      const cpuFeeds = toTensors(feeds)
      const want = host(interpret(roots, { ...cpuFeeds, key: key(9) }))
      disposeFeeds(cpuFeeds)
      await useBackend(backend)
      const f = lower(optimize(roots), { backend: tf.getBackend() })
      const ts = toTensors(feeds)
      const got = host(f({ ...ts, key: key(9) }))
      disposeFeeds(ts)
      f.dispose()
      got.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(want[i]![j]!, 4)))
    })
  })

  it('exports to ONNX as the identity (the inference form)', async () => {
    const out = F.dropout(input('x', ['N', 3, 4]), 0.5, 'drop').node
    const { diff } = await roundTrip(out, {}, randomInput([2, 3, 4], 5))
    expect(diff).toBeLessThan(1e-4)
  })
})

