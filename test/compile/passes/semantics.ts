/**
 * Helpers for pass tests: feeding random tensors to a graph's leaves, running it with the reference
 * interpreter, and asserting that a pass kept every output's value (and the graph's invariants).
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { expect } from 'vitest'
import { checkGraph } from '../../../src/compile/check.js'
import { interpret } from '../../../src/compile/interpret.js'
import { printGraph } from '../../../src/compile/print.js'
import type { Pass } from '../../../src/compile/passes/rewrite.js'
import type { Node } from '../../../src/dsl/node.js'
import { closeTo } from '../../support/close.js'
import { hostFeeds, toTensors } from '../../support/feeds.js'

/**
 * Seeded tensors for every input and param of the graph of `roots` (symbolic N bound to `batch`; int32
 * inputs are class labels in [0, 3), which fit any classifier with at least 3 classes).
 */
export const feedFor = (roots: readonly Node[], batch = 2, seed = 1) => toTensors(hostFeeds(roots, batch, seed))

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
        if (!closeTo(a[j]!, b[j]!, rtol, atol)) expect.fail(`output ${i} element ${j}: ${a[j]} vs ${b[j]}\n${context}`)
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
