/**
 * Test support for the lowering: switching between the cpu and wasm backends, feeding a graph's leaves
 * with seeded values, running the reference interpreter on cpu as the oracle, and comparing.
 */
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import { expect } from 'vitest'
import { graphOf } from '../../../src/compile/graph.js'
import { interpret } from '../../../src/compile/interpret.js'
import { type Feeds, lower } from '../../../src/compile/lower.js'
import type { Node } from '../../../src/dsl/node.js'
import { bindShape } from '../../../src/dsl/shape.js'
import { key, uniform } from '../../../src/dsl/random.js'
import { initWasm } from '../../../src/runtime/backends/wasm.js'

/** The backends the lowering is tested on (webgpu and tensorflow need hardware/binaries this box lacks). */
export const BACKENDS = ['cpu', 'wasm'] as const
export type TestBackend = (typeof BACKENDS)[number]

/** Makes `name` the active backend (wasm single-threaded: test files run in parallel forks). */
export const useBackend = async (name: TestBackend): Promise<void> => {
  if (name === 'wasm') await initWasm({ threads: 1 })
  else await tf.setBackend('cpu')
}

/** Seeded host values for every leaf of the graph of `roots` (N bound to `batch`; int32 leaves are labels in [0, classes)). */
export interface HostFeeds {
  readonly inputs: Record<string, { shape: number[]; dtype: 'float32' | 'int32'; data: Float32Array | Int32Array }>
  readonly params: Record<string, { shape: number[]; dtype: 'float32' | 'int32'; data: Float32Array | Int32Array }>
}

export const hostFeeds = (roots: readonly Node[], batch: number, seed = 1, classes = 3): HostFeeds => {
  const g = graphOf(roots)
  const value = (n: Node, k: number) => {
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
  const t = (v: HostFeeds['inputs'][string]) => tf.tensor(v.data, v.shape, v.dtype)
  return {
    inputs: Object.fromEntries(Object.entries(h.inputs).map(([k, v]) => [k, t(v)])),
    params: Object.fromEntries(Object.entries(h.params).map(([k, v]) => [k, t(v)])),
  }
}

const disposeFeeds = (f: Feeds) => tf.dispose([...Object.values(f.inputs), ...Object.values(f.params)])

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

/**
 * Asserts |got - want| <= atol + rtol * |want| elementwise per output, equal NaN/infinities allowed,
 * naming the output and element.
 */
export const expectOutputsClose = (
  got: readonly { shape: number[]; data: Float32Array }[],
  want: readonly { shape: number[]; data: Float32Array }[],
  context = '',
  rtol = 2e-3,
  atol = 2e-4,
): void => {
  expect(got.length).toBe(want.length)
  want.forEach((w, i) => {
    const g = got[i]!
    expect(g.shape, `output ${i} shape\n${context}`).toEqual(w.shape)
    for (let j = 0; j < w.data.length; j++) {
      const [a, b] = [g.data[j]!, w.data[j]!]
      const ok = (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= atol + rtol * Math.abs(b)
      if (!ok) expect.fail(`output ${i} element ${j}: lowered ${a} vs interpreter ${b}\n${context}`)
    }
  })
}
