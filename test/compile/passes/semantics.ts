/**
 * Helpers for pass tests: feeding random tensors to a graph's leaves, running it with the reference
 * interpreter, and asserting that a pass kept every output's value (and the graph's invariants).
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { expect } from 'vitest'
import { checkGraph } from '../../../src/compile/check.js'
import { graphOf } from '../../../src/compile/graph.js'
import { interpret } from '../../../src/compile/interpret.js'
import { printGraph } from '../../../src/compile/print.js'
import type { Pass } from '../../../src/compile/passes/rewrite.js'
import type { Node } from '../../../src/dsl/node.js'
import { bindShape } from '../../../src/dsl/shape.js'
import { rand } from '../support.js'

/** Seeded values for every input and param of the graph of `roots` (symbolic N bound to `batch`). */
export const feedFor = (roots: readonly Node[], batch = 2, seed = 1) => {
  const g = graphOf(roots)
  // int32 inputs are class labels: small values that fit any classifier with at least 3 classes
  const value = (n: Node, k: number) => {
    const t = rand(bindShape(n.shape, { N: batch }), seed * 1000 + k, n.dtype === 'int32' ? 0 : -1.5, n.dtype === 'int32' ? 3 : 1.5)
    return n.dtype === 'int32' ? tf.cast(tf.floor(t), 'int32') : t
  }
  return {
    inputs: Object.fromEntries(g.inputs.map((n, k) => [n.attrs.name, value(n, k)])),
    params: Object.fromEntries(g.params.map((n, k) => [n.attrs.name, value(n, 100 + k)])),
  }
}

/** Close within tolerance, treating equal infinities and NaN against NaN as equal. */
const close = (x: number, y: number, rtol: number, atol: number): boolean =>
  (Number.isNaN(x) && Number.isNaN(y)) || x === y || Math.abs(x - y) <= atol + rtol * Math.abs(y)

/** Asserts that `after` computes the same values as `before` (same shapes, within tolerance). */
export const expectSameValues = (before: readonly Node[], after: readonly Node[], context = '', rtol = 1e-3, atol = 1e-4): void => {
  const env = feedFor(before)
  const [want, got] = [interpret(before, env), interpret(after, env)]
  try {
    want.forEach((w, i) => {
      const g = got[i]!
      expect(g.shape, `output ${i} shape\n${context}`).toEqual(w.shape)
      const [a, b] = [g.dataSync(), w.dataSync()]
      for (let j = 0; j < a.length; j++)
        if (!close(a[j]!, b[j]!, rtol, atol)) expect.fail(`output ${i} element ${j}: ${a[j]} vs ${b[j]}\n${context}`)
    })
  } finally {
    tf.dispose([...want, ...got, ...Object.values(env.inputs), ...Object.values(env.params)])
  }
}

/** Asserts checkGraph accepts the graph, printing it when not. */
export const expectValid = (roots: readonly Node[], context = ''): void => {
  const r = checkGraph(roots)
  if (E.isLeft(r)) expect.fail(`${r.left.message}\n${context}\n${printGraph(roots)}`)
}

/** Runs `pass` and asserts it kept the values and the invariants; returns its result. */
export const expectPassPreserves = (pass: Pass, roots: readonly Node[], context = ''): Node[] => {
  const after = pass(roots)
  const where = `${context}\nbefore:\n${printGraph(roots)}\nafter:\n${printGraph(after)}`
  expectValid(after, where)
  expect(after.map((r) => r.shape)).toEqual(roots.map((r) => r.shape))
  expectSameValues(roots, after, where)
  return after
}
