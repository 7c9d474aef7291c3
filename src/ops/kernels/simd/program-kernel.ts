/**
 * Elementwise programs (assembly/program.ts) as a tfjs kernel for the wasm backend: a fused chain of
 * elementwise ops over same-shaped tensors and scalars, one pass, any number of outputs.
 */
import type * as tf from '@tensorflow/tfjs-core'
import { registerHeapKernel, type WasmHeapBackend } from '../wasm-heap.js'
import { SLOTS, type SimdBackend } from './module.js'
import { SPLIT_MIN_ELEMENTS, simdOf } from './kernels.js'

/**
 * inputs x0 .. x{k-1}: the program's full-size inputs then its scalars (attrs program: the encoding
 * assembly/program.ts reads, shape: the outputs' shape) -> one tensor per program output.
 */
export const ELEMENTWISE_PROGRAM = 'TypegradElementwiseProgram'
/** The most inputs (full-size and scalar) one program takes. */
export const PROGRAM_MAX_INPUTS = 24
/** Elements per block of assembly/program.ts (its register size). */
const BLOCK = 256

const names = Array.from({ length: PROGRAM_MAX_INPUTS }, (_, i) => `x${i}`)

const heapOf = (backend: WasmHeapBackend, size: number, dtype: 'int32' | 'float32'): { info: tf.TensorInfo; free: () => void } => {
  const info = backend.makeOutput([size], dtype)
  return { info, free: () => void (backend as unknown as SimdBackend).disposeData(info.dataId, true) }
}

registerHeapKernel(ELEMENTWISE_PROGRAM, names, (backend, inputs, attrs) => {
  const program = attrs['program'] as number[]
  const shape = attrs['shape'] as number[]
  const [nIn, nScalar, nInstr, nOut] = program as [number, number, number, number]
  const simd = simdOf(backend)
  const size = shape.reduce((a, d) => a * d, 1)
  const outs = Array.from({ length: nOut }, () => backend.makeOutput([...shape], 'float32'))
  const code = heapOf(backend, program.length, 'int32')
  const ptrs = heapOf(backend, nIn + nScalar + nOut, 'int32')
  const regs = heapOf(backend, SLOTS * (nIn + nInstr) * BLOCK, 'float32')
  ;(backend.typedArrayFromHeap(code.info) as Int32Array).set(program)
  const table = [...inputs.slice(0, nIn + nScalar).map((t) => simd.ptr(t)), ...outs.map((t) => simd.ptr(t))]
  ;(backend.typedArrayFromHeap(ptrs.info) as Int32Array).set(table)
  const blocks = Math.ceil(size / BLOCK)
  simd.run('elementwiseProgram', blocks, [simd.ptr(code.info), simd.ptr(ptrs.info), simd.ptr(regs.info), size], Math.ceil(SPLIT_MIN_ELEMENTS / BLOCK))
  code.free()
  ptrs.free()
  regs.free()
  return outs
})
