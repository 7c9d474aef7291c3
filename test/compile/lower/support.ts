/**
 * Test support for the lowering: the reference interpreter on cpu as the oracle, and the lowered function
 * on the active backend, both as host arrays. Backends, feeds and closeness are in test/support.
 */
import * as tf from '@tensorflow/tfjs-core'
import { interpret } from '../../../src/compile/interpret.js'
import { lower } from '../../../src/compile/lower.js'
import type { Node } from '../../../src/dsl/node.js'
import { type HostFeeds, disposeFeeds, toTensors } from '../../support/feeds.js'

/** The reference interpreter's outputs on cpu, as host arrays with shapes. */
export const reference = async (roots: readonly Node[], h: HostFeeds): Promise<{ shape: number[]; data: Float32Array }[]> => {
  const previous = tf.getBackend()
  await tf.setBackend('cpu')
  const feeds = toTensors(h)
  const outs = interpret(roots, feeds)
  const result = outs.map((o) => ({ shape: o.shape, data: Float32Array.from(o.dataSync()) }))
  tf.dispose(outs)
  disposeFeeds(feeds)
  if (previous && previous !== 'cpu') await tf.setBackend(previous)
  return result
}

/** Runs `lower(graph)` on the active backend and returns host arrays with shapes. */
export const runLowered = (graph: readonly Node[], h: HostFeeds): { shape: number[]; data: Float32Array }[] => {
  const f = lower(graph, { backend: tf.getBackend() })
  const feeds = toTensors(h)
  const outs = f(feeds)
  const result = outs.map((o) => ({ shape: o.shape, data: Float32Array.from(o.dataSync()) }))
  tf.dispose(outs)
  disposeFeeds(feeds)
  f.dispose()
  return result
}
