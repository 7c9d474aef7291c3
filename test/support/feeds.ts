/**
 * Seeded values for every leaf of a graph (host arrays, or tensors on the active backend): floats in
 * [-1.5, 1.5), int32 leaves as class labels in [0, classes), the symbolic batch N bound to `batch`.
 */
import * as tf from '@tensorflow/tfjs-core'
import { graphOf } from '../../src/compile/graph.js'
import type { Feeds } from '../../src/compile/lower.js'
import type { Node } from '../../src/dsl/node.js'
import { key, uniform } from '../../src/dsl/random.js'
import { bindShape } from '../../src/dsl/shape.js'

/** One leaf's host value. */
export interface HostValue {
  shape: number[]
  dtype: 'float32' | 'int32'
  data: Float32Array | Int32Array
}

/** Host values for the inputs and params of a graph, by leaf name. */
export interface HostFeeds {
  readonly inputs: Record<string, HostValue>
  readonly params: Record<string, HostValue>
}

/** Seeded host values for every leaf of the graph of `roots` (input k draws from key(seed * 1000 + k), param k from key(seed * 1000 + 100 + k)). */
export const hostFeeds = (roots: readonly Node[], batch: number, seed = 1, classes = 3): HostFeeds => {
  const g = graphOf(roots)
  const value = (n: Node, k: number): HostValue => {
    const shape = bindShape(n.shape, { N: batch })
    const size = shape.reduce((a, b) => a * b, 1)
    const u = uniform(key(seed * 1000 + k), size, n.dtype === 'int32' ? 0 : -1.5, n.dtype === 'int32' ? classes : 1.5)
    return { shape, dtype: n.dtype, data: n.dtype === 'int32' ? Int32Array.from(u, Math.floor) : u }
  }
  const name = (n: Node) => (n.attrs as { name: string }).name
  return {
    inputs: Object.fromEntries(g.inputs.map((n, k) => [name(n), value(n, k)])),
    params: Object.fromEntries(g.params.map((n, k) => [name(n), value(n, 100 + k)])),
  }
}

/** The host feeds as tensors on the active backend (the caller disposes them). */
export const toTensors = (h: HostFeeds): Feeds => {
  const t = (v: HostValue) => tf.tensor(v.data, v.shape, v.dtype)
  return {
    inputs: Object.fromEntries(Object.entries(h.inputs).map(([k, v]) => [k, t(v)])),
    params: Object.fromEntries(Object.entries(h.params).map(([k, v]) => [k, t(v)])),
  }
}

/** Frees the tensors of `toTensors`. */
export const disposeFeeds = (f: Feeds): void => tf.dispose([...Object.values(f.inputs), ...Object.values(f.params)])
