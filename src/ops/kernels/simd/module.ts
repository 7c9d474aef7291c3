/**
 * The SIMD128 kernels (AssemblyScript source in ./assembly, binaries built by scripts/build-kernels.mjs)
 * instantiated on tfjs-backend-wasm's own memory, so they read and write tensors in place.
 *
 * Why a second module: tfjs-wasm has no kernels for our fused gradients, and JS loops over the heap ran
 * at ~1 element/ns where SIMD does 4 lanes per instruction. The threaded tfjs-wasm build has a shared
 * memory (kernels-shared.wasm, split over two threads by heap-threads.ts), the single-threaded build a
 * plain one (kernels.wasm, one thread). Each has a -fma twin whose multiply-adds are relaxed SIMD's fused
 * `f32x4.relaxed_madd` (vfmadd on x86 with FMA): the convolution kernels' inner loops issue half the
 * instructions. It is used where the engine compiles relaxed SIMD: Node >= 22 does by default, Node 20's
 * V8 behind a flag that this module turns on (`TYPEGRAD_SIMD_FMA=0` keeps the separate multiply and add).
 * A fused multiply-add rounds once, so results differ from the twin's in the last bits; on one machine
 * they stay bitwise reproducible (the engine fuses or not per CPU, never per call).
 */
import { readFileSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import * as tf from '@tensorflow/tfjs-core'
import { CHUNKS, prepareHeapThreads, registerSimdSplitKernel, runRanges, runSplit, type SharedSimd } from '../heap-threads.js'
import { type WasmHeapBackend, onWasm } from '../wasm-heap.js'

/** The parts of tfjs-backend-wasm's BackendWasm the SIMD kernels need beyond {@link WasmHeapBackend}. */
export interface SimdBackend extends WasmHeapBackend {
  /** The emscripten module: the threaded build keeps its memory in `wasmMemory`, the plain one exports it in `asm`. */
  readonly wasm: { readonly wasmMemory?: WebAssembly.Memory; readonly asm?: { readonly memory?: WebAssembly.Memory } }
  readonly dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined }
  disposeData(dataId: object, force?: boolean): boolean
}

/** Exports of kernels.wasm: `(lo, hi, slot, ...args)`, pointers are byte offsets (assembly/kernels.ts and the files it exports). */
const EXPORTS = ['sigmoidGradRows', 'columnSums', 'conv2dFilterGrad', 'conv2dFilterGradFold', 'padRows', 'countInvalid', 'conv2dInputGrad', 'conv2dOneChannel', 'poolTiles', 'channelMoments', 'channelAffine', 'relu', 'reluGrad', 'maxPoolGrad', 'gemmPackB', 'gemm', 'conv2dTiles', 'elementwiseProgram', 'gatherBytes'] as const
/** One SIMD kernel's name. */
export type SimdKernelName = (typeof EXPORTS)[number]

/** The SIMD kernels on one backend's memory. */
export interface Simd {
  /** The heap the kernels work on (tfjs-wasm's memory). */
  readonly memory: WebAssembly.Memory
  /** Byte offset of a tensor's data in the heap. */
  readonly ptr: (t: tf.TensorInfo) => number
  /**
   * Runs items [0, count) of kernel `name` with `args` as up to {@link SLOTS} ranges in slot order, over two
   * threads when the memory is shared and count >= minCount (the same ranges either way: per-slot partial
   * sums make the result independent of the thread count).
   */
  readonly run: (name: SimdKernelName, count: number, args: readonly number[], minCount: number) => void
}

/** The most ranges (and so scratch slots for partial sums) one call is cut into. */
export const SLOTS = CHUNKS

const instances = new WeakMap<WebAssembly.Memory, Simd>()
const modules = new Map<boolean, WebAssembly.Module>()

const binary = (shared: boolean, fma: boolean): Uint8Array<ArrayBuffer> =>
  new Uint8Array(readFileSync(new URL(`./kernels${shared ? '-shared' : ''}${fma ? '-fma' : ''}.wasm`, import.meta.url)))

let relaxed: boolean | undefined
/** Whether the engine compiles relaxed SIMD, after asking V8 for it where it is still behind a flag (Node 20). */
const relaxedSimd = (probe: Uint8Array<ArrayBuffer>): boolean => {
  if (relaxed !== undefined) return relaxed
  relaxed = false
  if (process.env['TYPEGRAD_SIMD_FMA'] === '0') return relaxed
  if (!WebAssembly.validate(probe)) setFlagsFromString('--experimental-wasm-relaxed-simd')
  relaxed = WebAssembly.validate(probe)
  return relaxed
}

const moduleFor = (shared: boolean): WebAssembly.Module => {
  let m = modules.get(shared)
  if (m === undefined) {
    const fused = binary(shared, true)
    m = new WebAssembly.Module(relaxedSimd(fused) ? fused : binary(shared, false))
    modules.set(shared, m)
  }
  return m
}

/**
 * Whether the SIMD kernels use fused multiply-adds (the -fma binaries): decided once per process, when the
 * first kernel module is loaded (undefined before).
 * @example simdFma() // true on Node 20+ unless TYPEGRAD_SIMD_FMA=0
 */
export const simdFma = (): boolean | undefined => relaxed

/**
 * The SIMD kernels on `backend`'s heap, or undefined when the backend exposes no wasm memory.
 * @example simdOn(backend)?.run('columnSums', rows, [x, scratch, f], 64)
 */
export function simdOn(backend: WasmHeapBackend): Simd | undefined {
  const b = backend as Partial<SimdBackend>
  const memory = b.wasm?.wasmMemory ?? b.wasm?.asm?.memory
  if (memory === undefined || b.dataIdMap === undefined) return undefined
  let simd = instances.get(memory)
  if (simd === undefined) {
    const shared = memory.buffer instanceof SharedArrayBuffer
    const module = moduleFor(shared)
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as SharedSimd['exports']
    const dataIdMap = b.dataIdMap
    if (shared) {
      for (const name of EXPORTS) registerSimdSplitKernel(`simd:${name}`, { module, memory, exports }, name)
      prepareHeapThreads({ module, memory, exports })
    }
    simd = {
      memory,
      ptr: (t) => {
        const data = dataIdMap.get(t.dataId)
        if (data === undefined) throw new Error('simd: tensor is not on the wasm heap')
        return data.memoryOffset
      },
      run: (name, count, args, minCount) => {
        if (count <= 0) return
        if (shared) runSplit(`simd:${name}`, args, count, minCount)
        else runRanges(exports[name]!, args, count)
      },
    }
    instances.set(memory, simd)
  }
  return simd
}

/**
 * Loads the SIMD kernels on the active backend's heap now, when it is tfjs-wasm (and starts the kernel
 * worker on the threaded build), rather than at the first kernel call: the worker's start-up then overlaps
 * with loading data and compiling the step instead of holding up the first steps.
 * @example await tf.setBackend('wasm'); prepareSimd()
 */
export function prepareSimd(): void {
  if (onWasm()) simdOn(tf.backend() as unknown as WasmHeapBackend)
}
