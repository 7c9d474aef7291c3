/**
 * Kernels over tfjs-backend-wasm's heap: registration, typed-array access, and whether they apply.
 *
 * Why: tfjs-wasm runs every elementwise op single-threaded and one op per pass over memory, and has no
 * kernels for our fused gradients; a kernel over the heap (the SIMD module of ./simd, or a small JS loop)
 * replaces chains of 3-6 such ops. Only the wasm backend gets these kernels; callers fall back to tfjs
 * compositions elsewhere.
 */
import * as tf from '@tensorflow/tfjs-core'

/** The slice of tfjs-backend-wasm's BackendWasm API these kernels use (see its backend_wasm.d.ts). */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array
}

/** A module whose one function returns a v128 constant: it validates where wasm SIMD128 runs. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, ...new Array<number>(16).fill(0), 11])
let simdRuns: boolean | undefined

/**
 * True when the active backend is tfjs-backend-wasm and this engine runs wasm SIMD128 (so the heap
 * kernels, which are SIMD, apply; elsewhere callers take their tfjs compositions).
 */
export function onWasm(): boolean {
  simdRuns ??= WebAssembly.validate(SIMD_PROBE)
  return simdRuns && tf.getBackend() === 'wasm'
}

/**
 * Float32 view of a tensor on the wasm heap. Take views only after the last `makeOutput` of a
 * kernel: allocating may grow the heap and detach earlier views.
 * @example const xs = f32(backend, x)
 */
export function f32(backend: WasmHeapBackend, t: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array
}

/** Kernel body: the backend, the inputs in declared order, and the attrs. */
export type HeapKernel = (backend: WasmHeapBackend, inputs: tf.TensorInfo[], attrs: Record<string, unknown>) => tf.TensorInfo[]

/**
 * Registers `name` for the wasm backend once (idempotent), inputs keyed by `inputNames`.
 * @example registerHeapKernel('TypegradFoo', ['x'], (b, [x]) => [b.makeOutput(x.shape, 'float32')])
 */
export function registerHeapKernel(name: string, inputNames: readonly string[], body: HeapKernel): void {
  if (tf.getKernel(name, 'wasm') !== undefined) return
  tf.registerKernel({
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) =>
      body(backend as unknown as WasmHeapBackend, inputNames.map((k) => inputs[k] as tf.TensorInfo), (attrs ?? {}) as Record<string, unknown>),
  })
}

/**
 * Runs a registered heap kernel through the engine (so outputs are tracked by tidy/memory).
 * @example const [y] = runHeapKernel('TypegradFoo', { x }, {})
 */
export function runHeapKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[]
  return Array.isArray(out) ? out : [out]
}
