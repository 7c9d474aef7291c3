/**
 * compileTraining on LeNet with tiny batches: SGD lowers the loss on a fixed batch, one SGD step moves
 * every param to p - lr * g with g from the reference interpreter, Adam's first step reads the step
 * counter, evaluate leaves params alone, read/load round-trip, and a bad spec is a typed error.
 */
import * as tf from '@tensorflow/tfjs-core'
import { describe, expect, it } from 'vitest'
import { grad } from '../../../src/compile/autodiff.js'
import { graphOf } from '../../../src/compile/graph.js'
import { TrainCompileError, type TrainProgram, compileTraining } from '../../../src/compile/train.js'
import { input, intInput } from '../../../src/dsl/expr.js'
import { mk } from '../../../src/dsl/node.js'
import { adam, momentum, sgd } from '../../../src/dsl/optim/index.js'
import type { Optimizer } from '../../../src/dsl/optim/index.js'
import { key } from '../../../src/dsl/random.js'
import { type Tensor, initTensor } from '../../../src/dsl/tensor.js'
import { lenet } from '../../../examples/lenet.js'
import { BACKENDS, useBackend } from '../../support/backends.js'
import { expectOutputsClose } from '../../support/close.js'
import { type HostFeeds, hostFeeds } from '../../support/feeds.js'
import { reference } from './support.js'

const logits = lenet(input('x', ['N', 1, 28, 28])).node
const labels = intInput('y', ['N']).node
const paramLeaves = graphOf([logits]).params
const initial: Record<string, Tensor> = Object.fromEntries(
  paramLeaves.map((p, i) => [p.attrs.name, initTensor(key(40 + i), p.shape as number[], p.attrs.init, p.attrs.fanIn, p.attrs.fanOut)]),
)
const names = paramLeaves.map((p) => p.attrs.name)

/** A batch as tensors on the active backend, and the same values as interpreter feeds. */
const batchOf = (n: number, seed: number) => {
  const h = hostFeeds([logits, labels], n, seed, 10)
  const x = tf.tensor(h.inputs.x!.data, h.inputs.x!.shape)
  const y = tf.tensor(h.inputs.y!.data, h.inputs.y!.shape, 'int32')
  const withParams: HostFeeds = {
    inputs: h.inputs,
    params: Object.fromEntries(Object.entries(initial).map(([k, t]) => [k, { shape: [...(t.shape as number[])], dtype: 'float32' as const, data: t.data }])),
  }
  return { x, y, h: withParams }
}

const compile = (optimizer: Optimizer, backend: string): TrainProgram => compileTraining({ logits, labels, optimizer, params: initial }, { backend })
const scalarOf = async (t: tf.Scalar): Promise<number> => {
  const v = (await t.data())[0]!
  t.dispose()
  return v
}

describe.each(BACKENDS)('compileTraining on %s', (backend) => {
  it('SGD lowers the loss over 30 steps on a fixed batch', async () => {
    await useBackend(backend)
    const program = compile(sgd(0.9), backend)
    const { x, y } = batchOf(8, 1)
    const losses: number[] = []
    for (let i = 0; i < 30; i++) {
      const m = program.step(x, y)
      losses.push((await scalarOf(m.lossSum)) / 8)
      m.correct.dispose()
    }
    expect(losses.every(Number.isFinite)).toBe(true)
    expect(losses[29]!).toBeLessThan(Math.min(...losses.slice(0, 5)) * 0.9)
    expect((await program.read()).step).toBe(30)
    program.dispose()
    tf.dispose([x, y])
  })

  it('one SGD step: params equal p - lr * g (g from the interpreter), metrics equal the interpreter', async () => {
    const lr = 0.1
    const { h } = batchOf(5, 2)
    const loss = mk('softmaxCrossEntropy', [logits, labels], {})
    const correct = mk('correctCount', [logits, labels], {})
    const [want, wantCorrect, ...grads] = await reference([loss, correct, ...grad(loss, paramLeaves)], h)
    await useBackend(backend)
    const { x, y } = batchOf(5, 2)
    const program = compile(sgd(lr), backend)
    const m = program.step(x, y)
    expect(await scalarOf(m.lossSum)).toBeCloseTo(want!.data[0]! * 5, 3)
    expect(await scalarOf(m.correct)).toBe(wantCorrect!.data[0])
    const { params, state, step } = await program.read()
    expect(step).toBe(1)
    expect(state).toEqual({})
    const expected = names.map((n, i) => ({ shape: [...(initial[n]!.shape as number[])], data: initial[n]!.data.map((p, j) => p - lr * grads[i]!.data[j]!) }))
    expectOutputsClose(names.map((n) => ({ shape: [...(params[n]!.shape as number[])], data: params[n]!.data })), expected, 'params after one step', 1e-4, 1e-6)
    program.dispose()
    tf.dispose([x, y])
  })

  it("Adam's first step moves each param by about lr * sign(g) and keeps m = (1 - b1) g", async () => {
    const { h } = batchOf(4, 3)
    const loss = mk('softmaxCrossEntropy', [logits, labels], {})
    const grads = await reference(grad(loss, paramLeaves), h)
    await useBackend(backend)
    const { x, y } = batchOf(4, 3)
    const program = compile(adam(0.01), backend)
    tf.dispose(Object.values(program.step(x, y)))
    const { params, state } = await program.read()
    names.forEach((n, i) => {
      const g = grads[i]!.data
      const p = params[n]!.data
      for (let j = 0; j < g.length; j++) {
        if (Math.abs(g[j]!) < 1e-5) continue // sign and eps compete near zero
        expect(p[j]! - initial[n]!.data[j]!).toBeCloseTo(-0.01 * Math.sign(g[j]!), 3)
        expect(state[`${n}@m`]!.data[j]!).toBeCloseTo(0.1 * g[j]!, 5)
      }
    })
    program.dispose()
    tf.dispose([x, y])
  })

  it('evaluate leaves params alone; read/load round-trip params, state and step', async () => {
    await useBackend(backend)
    const { x, y } = batchOf(6, 4)
    const program = compile(momentum(0.05, 0.9), backend)
    tf.dispose(Object.values(program.step(x, y)))
    const saved = await program.read()
    const e1 = program.evaluate(x, y)
    const e2 = program.evaluate(x, y)
    expect(await scalarOf(e1.lossSum)).toBe(await scalarOf(e2.lossSum))
    expect(await scalarOf(e1.correct)).toBe(await scalarOf(e2.correct))
    expect(await program.read()).toEqual(saved)
    tf.dispose(Object.values(program.step(x, y)))
    expect((await program.read()).step).toBe(2)
    program.load(saved)
    expect(await program.read()).toEqual(saved)
    expect(Object.keys(saved.state).sort()).toEqual(names.map((n) => `${n}@velocity`).sort())
    expect(program.printed.before).toContain('softmaxCrossEntropy')
    expect(program.printed.after).toContain('fusedConv2d')
    program.dispose()
    tf.dispose([x, y])
  })

  it('a missing or misshapen initial param is a TrainCompileError', async () => {
    await useBackend(backend)
    const { '0.weight': _, ...missing } = initial
    expect(() => compileTraining({ logits, labels, optimizer: sgd(0.1), params: missing }, { backend })).toThrow(TrainCompileError)
    const wrong = { ...initial, '0.bias': { shape: [7], data: new Float32Array(7) } }
    expect(() => compileTraining({ logits, labels, optimizer: sgd(0.1), params: wrong }, { backend })).toThrow(/0\.bias/)
  })
})
