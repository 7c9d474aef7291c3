/**
 * Test support for the ONNX export: running exported bytes in onnxruntime-web (its wasm build, which in
 * Node loads dist/ort-wasm-simd-threaded.{mjs,wasm} from node_modules through a file: URL, no network),
 * typegrad's own prediction of the same inference graph lowered on tfjs's cpu backend, and seeded params.
 */
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import * as E from 'fp-ts/lib/Either.js'
import * as ort from 'onnxruntime-web'
import { expect } from 'vitest'
import { graphOf } from '../../../src/compile/graph.js'
import { lower } from '../../../src/compile/lower.js'
import { inferenceForm } from '../../../src/compile/modes.js'
import type { Node } from '../../../src/dsl/node.js'
import { foldIn, key, uniform } from '../../../src/dsl/random.js'
import type { Tensor } from '../../../src/dsl/tensor.js'
import { type ExportOptions, onnxModelProto } from '../../../src/runtime/export/index.js'

// one thread: test files run in parallel forks on a small machine, and threads need cross-origin isolation in browsers anyway
ort.env.wasm.numThreads = 1

/** A host array with its shape. */
export interface Host {
  readonly shape: readonly number[]
  readonly data: Float32Array
}

/** The Right of an Either, failing the test with the Left's message otherwise. */
export const right = <A>(e: E.Either<{ readonly message: string }, A>): A => {
  if (E.isLeft(e)) expect.fail(`expected Right but got Left: ${e.left.message}`)
  return e.right
}

/** The Left of an Either, failing the test when it is a Right. */
export const left = <L>(e: E.Either<L, unknown>): L => {
  if (E.isRight(e)) expect.fail('expected Left but got Right')
  return e.left
}

/** Runs ONNX model bytes in onnxruntime-web on one input; returns its single output. */
export const runOnnx = async (model: Uint8Array, inputName: string, x: Host): Promise<Host> => {
  const session = await ort.InferenceSession.create(model)
  try {
    expect(session.inputNames).toEqual([inputName])
    expect(session.outputNames).toHaveLength(1)
    const result = await session.run({ [inputName]: new ort.Tensor('float32', x.data, [...x.shape]) })
    const y = result[session.outputNames[0]!]!
    expect(y.type).toBe('float32')
    return { shape: [...y.dims], data: Float32Array.from(y.data as Float32Array) }
  } finally {
    await session.release()
  }
}

/** typegrad's prediction: the inference form of `out` lowered on tfjs's cpu backend. */
export const runTypegrad = async (out: Node, params: Readonly<Record<string, Tensor>>, inputName: string, x: Host): Promise<Host> => {
  await tf.setBackend('cpu')
  const f = lower(inferenceForm([out]), { backend: 'cpu' })
  const feeds = {
    inputs: { [inputName]: tf.tensor(x.data, [...x.shape]) },
    params: Object.fromEntries(graphOf([out]).params.map((p) => [p.attrs.name, tf.tensor(params[p.attrs.name]!.data, [...(p.shape as number[])])])),
  }
  const [y] = f(feeds)
  const host = { shape: y!.shape, data: Float32Array.from(y!.dataSync()) }
  tf.dispose([y!, ...Object.values(feeds.inputs), ...Object.values(feeds.params)])
  f.dispose()
  return host
}

/** max |a - b| over all elements (shapes must agree). */
export const maxAbsDiff = (a: Host, b: Host): number => {
  expect(a.shape).toEqual(b.shape)
  let m = 0
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!))
  return m
}

/**
 * Exports `out`, runs it in ONNX Runtime and typegrad on `x`, and returns both outputs and their max abs
 * difference. The reference must be finite and not constant, so a comparison cannot pass vacuously.
 */
export const roundTrip = async (
  out: Node,
  params: Readonly<Record<string, Tensor>>,
  x: Host,
  opts: ExportOptions = {},
): Promise<{ onnx: Host; typegrad: Host; diff: number; bytes: Uint8Array }> => {
  const inputName = graphOf([out]).inputs[0]!.attrs.name
  const bytes = right(onnxModelProto(out, params, opts))
  const onnx = await runOnnx(bytes, opts.inputName ?? inputName, x)
  const typegrad = await runTypegrad(out, params, inputName, x)
  expect(typegrad.data.every(Number.isFinite)).toBe(true)
  const first = typegrad.data[0]!
  const varies = typegrad.data.some((v) => Math.abs(v - first) > 1e-3)
  expect(varies || (typegrad.data.length === 1 && Math.abs(first) > 1e-3)).toBe(true)
  return { onnx, typegrad, diff: maxAbsDiff(onnx, typegrad), bytes }
}

/**
 * Seeded values for every param leaf of `out`, drawn by name: uniform in [-1, 1) (scaled by 1/sqrt(fan-in)
 * for weights so activations stay O(1)), variances in [0.5, 2).
 */
export const randomParams = (out: Node, seed = 7): Record<string, Tensor> =>
  Object.fromEntries(
    graphOf([out]).params.map((p) => {
      const shape = p.shape as number[]
      const n = shape.reduce((a, d) => a * d, 1)
      const k = foldIn(key(seed), p.attrs.name)
      const scale = shape.length >= 2 ? 1 / Math.sqrt(p.attrs.fanIn) : 1
      const data = /var/i.test(p.attrs.name) ? uniform(k, n, 0.5, 2) : uniform(k, n, -scale, scale)
      return [p.attrs.name, { shape, data }]
    }),
  )

/** Seeded uniform input values of `shape`. */
export const randomInput = (shape: readonly number[], seed = 1, lo = -1.5, hi = 1.5): Host => ({
  shape,
  data: uniform(key(seed), shape.reduce((a, d) => a * d, 1), lo, hi),
})
