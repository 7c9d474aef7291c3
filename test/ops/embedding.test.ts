/**
 * embedding end to end: F.embedding's types and runtime rule (same ShapeError texts), values against a
 * plain gather, the out-of-range rule (clamped to 0..V-1), the table's gradient against finite differences
 * and tfjs's own gradient of tf.gather, fast-check over random table and index shapes (the gradient is the
 * scatter-add of dy's rows: each row of the table gets the sum of the dy rows that read it), the lowering
 * (scatterND) against the interpreter (onehot^T dy) on cpu and wasm, and the ONNX export (an int32 input)
 * in onnxruntime-web.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import * as ort from 'onnxruntime-web'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { grad } from '../../src/compile/autodiff.js'
import { interpret } from '../../src/compile/interpret.js'
import { lower } from '../../src/compile/lower.js'
import { optimize } from '../../src/compile/pipeline.js'
import { type Expr, input, intInput } from '../../src/dsl/expr.js'
import * as F from '../../src/dsl/fn.js'
import { type Node, mk } from '../../src/dsl/node.js'
import { ShapeError } from '../../src/dsl/shape.js'
import { onnxModelProto } from '../../src/runtime/export/index.js'
import type { EmbeddingOut } from '../../src/types/index.js'
import { checkGrads, leaf, useCpu, weightedSum, expectCentralDifferences } from '../compile/support.js'
import { reference, runLowered } from '../compile/lower/support.js'
import { BACKENDS, useBackend } from '../support/backends.js'
import { expectOutputsClose } from '../support/close.js'
import type { HostFeeds } from '../support/feeds.js'

ort.env.wasm.numThreads = 1

const table = (name: string, shape: readonly number[]): Node => mk('param', [], { name, init: 'xavierUniform', fanIn: 4, fanOut: 4 }, shape, 'float32')
const ids = (name: string, shape: readonly (number | string)[]): Node => mk('input', [], { name, dtype: 'int32' }, shape, 'int32')
const seq = (n: number, f: (i: number) => number): Float32Array => Float32Array.from({ length: n }, (_, i) => f(i))

describe('embedding', () => {
  it('is F.embedding: [V, D] and int32 [...I] -> [...I, D], with the same errors in the types and at run time', () => {
    const w = input('w', [10, 4])
    const y = F.embedding(w, intInput('tokens', ['N', 8]))
    expectTypeOf(y).toEqualTypeOf<Expr<readonly ['N', 8, 4], 'float32'>>()
    expect(y.node.op).toBe('embedding')
    expect(y.shape).toEqual(['N', 8, 4])
    expectTypeOf(F.embedding(w, intInput('t', []))).toEqualTypeOf<Expr<readonly [4], 'float32'>>()
    expectTypeOf<EmbeddingOut<[10], ['N']>>().toEqualTypeOf<'ShapeError: embedding expects a table [V, D] but got [10]'>()
    const flat = input('v', [10])
    // @ts-expect-error a 1-D table is the ShapeError at the table argument
    expect(() => F.embedding(flat, intInput('t', ['N']))).toThrow('ShapeError: embedding expects a table [V, D] but got [10]')
    // @ts-expect-error float indices
    expect(() => F.embedding(w, input('t', ['N']))).toThrow('ShapeError: embedding expects int32 indices but got float32')
    expect(() => mk('embedding', [table('w', [3, 2])], {})).toThrow(ShapeError)
  })

  it('gathers rows; an index outside 0..V-1 reads the nearest row (clamped), and its gradient goes there', async () => {
    await useCpu()
    const w = leaf('w', [3, 2])
    const x = ids('x', [5])
    const y = mk('embedding', [w, x], {})
    const [dw] = grad(weightedSum(y), [w])
    const values = tf.tensor2d([[1, 2], [3, 4], [5, 6]])
    const feeds = { inputs: { x: tf.tensor1d([0, 2, -4, 7, 2], 'int32'), w: tf.tensor2d([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]) }, params: { w: values } }
    const [v, g] = interpret([y, dw!], feeds)
    expect(v!.arraySync()).toEqual([[1, 2], [5, 6], [1, 2], [5, 6], [5, 6]])
    // rows read: 0 by positions 0, 2; row 2 by positions 1, 3, 4
    expect(g!.arraySync()).toEqual([[4, 4], [0, 0], [11, 11]])
    for (const backend of BACKENDS) {
      await useBackend(backend)
      const f = lower([y, dw!], { backend })
      const fd = { inputs: { x: tf.tensor1d([0, 2, -4, 7, 2], 'int32'), w: tf.tensor2d([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]) }, params: { w: tf.tensor2d([[1, 2], [3, 4], [5, 6]]) } }
      const [lv, lg] = f(fd)
      expect(lv!.arraySync()).toEqual([[1, 2], [5, 6], [1, 2], [5, 6], [5, 6]])
      expect(lg!.arraySync()).toEqual([[4, 4], [0, 0], [11, 11]])
      f.dispose()
    }
  })

  it('has the gradient finite differences give', async () => {
    await useCpu()
    const w = leaf('w', [6, 3])
    const x = ids('x', [2, 4])
    const f = weightedSum(F.square({ node: mk('embedding', [w, x], {}), shape: [2, 4, 3], dtype: 'float32' } as Expr<readonly [2, 4, 3]>).node)
    const [dw] = grad(f, [w])
    const v = seq(18, (i) => -2 + (4 * i) / 17)
    const inputs = { x: tf.tensor2d([[0, 5, 5, 2], [3, 0, 5, 1]], [2, 4], 'int32'), w: tf.tensor3d(seq(24, (i) => 1 + (i % 3)), [2, 4, 3]) }
    expectCentralDifferences({ f, dx: dw!, x: 'w', shape: [6, 3], v, inputs: inputs })
  })

  it("has tfjs's gradient of tf.gather", async () => {
    await useBackend('cpu', { gradients: true })
    const indices = tf.tensor2d([[1, 3, 3], [0, 1, 4]], [2, 3], 'int32')
    const value = tf.tensor2d(seq(15, (i) => Math.sin(i)), [5, 3])
    checkGrads([{ shape: [5, 3], value }], ([p]) => mk('embedding', [p!, ids('i', [2, 3])], {}), ([t]) => tf.gather(t!, indices), { inputs: { i: indices } })
  })

  it('fast-check: values are the rows read, the gradient the scatter-add of dy rows, over random shapes', async () => {
    await useCpu()
    const arb = fc.record({
      vocab: fc.integer({ min: 1, max: 7 }),
      dim: fc.integer({ min: 1, max: 5 }),
      shape: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }),
      seed: fc.nat(1000),
    })
    fc.assert(
      fc.property(arb, ({ vocab, dim, shape, seed }) => {
        const n = shape.reduce((a, b) => a * b, 1)
        const index = Int32Array.from({ length: n }, (_, k) => (seed * 7 + k * 13) % vocab)
        const tv = seq(vocab * dim, (k) => Math.cos(seed + k))
        const dyv = seq(n * dim, (k) => Math.sin(seed * 3 + k))
        const w = leaf('w', [vocab, dim])
        const y = mk('embedding', [w, ids('x', shape)], {})
        expect(y.shape).toEqual([...shape, dim])
        const dy = mk('input', [], { name: 'dy', dtype: 'float32' }, y.shape, 'float32')
        const g = mk('embeddingGrad', [y.inputs[1]!, dy], { vocab })
        tf.tidy(() => {
          const [v, gv] = interpret([y, g], { inputs: { x: tf.tensor(index, shape, 'int32'), dy: tf.tensor(dyv, [...shape, dim]) }, params: { w: tf.tensor(tv, [vocab, dim]) } })
          const vs = v!.dataSync()
          const want = new Float32Array(vocab * dim)
          for (let k = 0; k < n; k++)
            for (let d = 0; d < dim; d++) {
              expect(vs[k * dim + d]).toBe(tv[index[k]! * dim + d])
              want[index[k]! * dim + d]! += dyv[k * dim + d]!
            }
          gv!.dataSync().forEach((x, k) => expect(x).toBeCloseTo(want[k]!, 5))
        })
      }),
      { numRuns: 40 },
    )
  })

  describe.each(BACKENDS)('lowered on %s', (backend) => {
    it('equals the interpreter, forward and gradients, with repeated indices and a symbolic batch', async () => {
      const x = ids('x', ['N', 6])
      const [w, v] = [table('w', [5, 4]), table('v', [4, 3])]
      const e = mk('embedding', [w, x], {})
      const h = mk('tanh', [mk('matMul', [mk('reshape', [e], { shape: [-1, 4] }), v], { transposeA: false, transposeB: false })], {})
      const loss = mk('mean', [mk('square', [h], {})], { axes: [0, 1], keepDims: false })
      const roots = [e, loss, ...grad(loss, [w, v])]
      const feeds: HostFeeds = {
        inputs: { x: { shape: [3, 6], dtype: 'int32', data: Int32Array.from({ length: 18 }, (_, k) => (k * 7) % 5) } },
        params: { w: { shape: [5, 4], dtype: 'float32', data: seq(20, (k) => Math.sin(k)) }, v: { shape: [4, 3], dtype: 'float32', data: seq(12, (k) => Math.cos(k)) } },
      }
      const want = await reference(roots, feeds)
      await useBackend(backend)
      expectOutputsClose(runLowered(optimize(roots), feeds), want, backend)
    })
  })

  it('exports to ONNX with an int32 input: onnxruntime-web matches the lowering within 1e-4', async () => {
    await useCpu()
    const tokens = ids('tokens', ['N', 5])
    const w = table('w', [6, 3])
    const out = mk('tanh', [mk('embedding', [w, tokens], {})], {})
    const params = { w: { shape: [6, 3] as const, data: seq(18, (k) => Math.sin(k)) } }
    const bytes = onnxModelProto(out, params)
    if (E.isLeft(bytes)) throw bytes.left
    const index = Int32Array.from([0, 5, 9, -2, 3, 1, 1, 2, 4, 5])
    const session = await ort.InferenceSession.create(bytes.right)
    const result = await session.run({ tokens: new ort.Tensor('int32', index, [2, 5]) })
    const got = result[session.outputNames[0]!]!
    expect(got.dims).toEqual([2, 5, 3])
    await session.release()
    const f = lower([out], { backend: 'cpu' })
    const [y] = f({ inputs: { tokens: tf.tensor(index, [2, 5], 'int32') }, params: { w: tf.tensor(params.w.data, [6, 3]) } })
    const ours = y!.dataSync()
    const theirs = got.data as Float32Array
    expect(Math.max(...ours.map((o, k) => Math.abs(o - theirs[k]!)))).toBeLessThan(1e-4)
    f.dispose()
  })
})
