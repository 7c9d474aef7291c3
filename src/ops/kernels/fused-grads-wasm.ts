/**
 * Fused elementwise gradient kernels on the wasm heap (one pass over memory instead of 3-6
 * single-threaded tfjs-wasm ops). Registered on import; used by sigmoid-grad.ts and
 * softmax-cross-entropy.ts when the wasm backend is active.
 */
import type * as tf from '@tensorflow/tfjs-core'
import { f32, registerHeapKernel, type WasmHeapBackend } from './wasm-heap.js'
import { registerSplitKernel, runSplit } from './heap-threads.js'

/** y [N,H,W,C], dp [N,OH,OW,C] -> dx [N,H,W,C] and/or dx [H,W,N,C], plus db [C]. */
export const POOLED_SIGMOID_GRAD = 'TypegradPooledSigmoidGrad'
/** y, dy [B,F] -> dz = dy*y*(1-y) [B,F], db = sum_B dz [F]. */
export const SIGMOID_GRAD_BIAS = 'TypegradSigmoidGradBias'
/** logits [B,K], labels [B] (int32 or float32) -> loss [], dLogits [B,K]. */
export const SOFTMAX_CE = 'TypegradSoftmaxCrossEntropy'

function labelsView(backend: WasmHeapBackend, t: tf.TensorInfo): ArrayLike<number> {
  return backend.typedArrayFromHeap(t)
}

registerHeapKernel(POOLED_SIGMOID_GRAD, ['y', 'dp'], (backend, [y, dp], attrs) => {
  const [kH, kW] = attrs['kernel'] as [number, number]
  const { nhwc, hwnc } = attrs as { nhwc: boolean; hwnc: boolean }
  const [n, h, w, c] = y.shape
  const [, oh, ow] = dp.shape
  const outs: tf.TensorInfo[] = []
  const dx = nhwc ? backend.makeOutput([n, h, w, c], 'float32') : undefined
  const dxT = hwnc ? backend.makeOutput([h, w, n, c], 'float32') : undefined
  const db = backend.makeOutput([c], 'float32')
  const ys = f32(backend, y)
  const dps = f32(backend, dp)
  const a = dx ? f32(backend, dx) : undefined
  const t = dxT ? f32(backend, dxT) : undefined
  const acc = new Float64Array(c)
  pooledSigmoidGradViews(ys, dps, a, t, acc, [n!, h!, w!, c!], [oh!, ow!], [kH, kW])
  f32(backend, db).set(acc)
  if (dx) outs.push(dx)
  if (dxT) outs.push(dxT)
  outs.push(db)
  return outs
})

/** Items below which the pooled sigmoid grad stays on one thread (measured break-even ~13k elements: the handoff costs ~20-40 us). */
const POOLED_SPLIT_MIN_ELEMENTS = 1 << 14

/**
 * The pooled sigmoid gradient over views that share one buffer (the wasm heap): y [N,H,W,C],
 * dp [N,OH,OW,C] -> out [N,H,W,C] and/or outT [H,W,N,C], acc [C] += the bias sums. Splits the
 * batch over two threads when the buffer is shared and the job is big (see heap-threads.ts).
 * @example pooledSigmoidGradViews(ys, dps, dx, undefined, acc, [n, h, w, c], [oh, ow], [2, 2])
 */
export function pooledSigmoidGradViews(
  ys: Float32Array, dps: Float32Array, out: Float32Array | undefined, outT: Float32Array | undefined, acc: Float64Array,
  [n, h, w, c]: readonly [number, number, number, number], [oh, ow]: readonly [number, number], [kH, kW]: readonly [number, number],
): void {
  const variant = (out ? 1 : 0) + (outT ? 2 : 0)
  if (variant === 0) return
  const params = [variant, ys.byteOffset, dps.byteOffset, out?.byteOffset ?? 0, outT?.byteOffset ?? 0, n, h, w, c, oh, ow, kH, kW, 1 / (kH * kW)]
  runSplit(POOLED_SIGMOID_GRAD, ys.buffer, params, n, acc, Math.ceil(POOLED_SPLIT_MIN_ELEMENTS / Math.max(1, h * w * c)))
}

/** Split body: batches [b0, b1) of the pooled sigmoid grad (self-contained: runs in the worker too). */
function pooledSigmoidPart(heap: ArrayBufferLike, p: Float64Array, b0: number, b1: number, acc: Float64Array): void {
  // `| 0`: the params arrive as doubles; small-int indices keep the loops in integer math.
  const variant = p[0]! | 0
  const n = p[5]! | 0, h = p[6]! | 0, w = p[7]! | 0, c = p[8]! | 0, oh = p[9]! | 0, ow = p[10]! | 0, kH = p[11]! | 0, kW = p[12]! | 0
  const scale = p[13]!
  b0 |= 0
  b1 |= 0
  const size = n * h * w * c
  const ys = new Float32Array(heap, p[1]!, size)
  const dps = new Float32Array(heap, p[2]!, n * oh * ow * c)
  // One pass in input order; the HWNC writes scatter in 24-byte runs, which measured faster
  // than reading y scattered. Specialised loops: JS float math is the bottleneck (~5 ns/element).
  if (variant === 3) pooledSigmoidBoth(ys, dps, new Float32Array(heap, p[3]!, size), new Float32Array(heap, p[4]!, size), acc, b0, b1, n, h, w, c, oh, ow, kH, kW, scale)
  else if (variant === 1) pooledSigmoidNHWC(ys, dps, new Float32Array(heap, p[3]!, size), acc, b0, b1, h, w, c, oh, ow, kH, kW, scale)
  else pooledSigmoidHWNC(ys, dps, new Float32Array(heap, p[4]!, size), acc, b0, b1, n, h, w, c, oh, ow, kH, kW, scale)
}

function pooledSigmoidNHWC(
  ys: Float32Array, dps: Float32Array, out: Float32Array, acc: Float64Array, b0: number, b1: number,
  h: number, w: number, c: number, oh: number, ow: number, kH: number, kW: number, scale: number,
): void {
  let i = b0 * h * w * c
  for (let b = b0; b < b1; b++) {
    for (let r = 0; r < h; r++) {
      const pRow = (b * oh + ((r / kH) | 0)) * ow
      for (let col = 0; col < w; col++) {
        const p = (pRow + ((col / kW) | 0)) * c
        for (let ch = 0; ch < c; ch++, i++) {
          const v = ys[i]!
          const g = v * (1 - v) * dps[p + ch]! * scale
          acc[ch] += g
          out[i] = g
        }
      }
    }
  }
}

function pooledSigmoidHWNC(
  ys: Float32Array, dps: Float32Array, out: Float32Array, acc: Float64Array, b0: number, b1: number,
  n: number, h: number, w: number, c: number, oh: number, ow: number, kH: number, kW: number, scale: number,
): void {
  let i = b0 * h * w * c
  for (let b = b0; b < b1; b++) {
    for (let r = 0; r < h; r++) {
      const pRow = (b * oh + ((r / kH) | 0)) * ow
      for (let col = 0; col < w; col++) {
        const p = (pRow + ((col / kW) | 0)) * c
        const o = ((r * w + col) * n + b) * c
        for (let ch = 0; ch < c; ch++, i++) {
          const v = ys[i]!
          const g = v * (1 - v) * dps[p + ch]! * scale
          acc[ch] += g
          out[o + ch] = g
        }
      }
    }
  }
}

function pooledSigmoidBoth(
  ys: Float32Array, dps: Float32Array, out: Float32Array, outT: Float32Array, acc: Float64Array, b0: number, b1: number,
  n: number, h: number, w: number, c: number, oh: number, ow: number, kH: number, kW: number, scale: number,
): void {
  let i = b0 * h * w * c
  for (let b = b0; b < b1; b++) {
    for (let r = 0; r < h; r++) {
      const pRow = (b * oh + ((r / kH) | 0)) * ow
      for (let col = 0; col < w; col++) {
        const p = (pRow + ((col / kW) | 0)) * c
        const o = ((r * w + col) * n + b) * c
        for (let ch = 0; ch < c; ch++, i++) {
          const v = ys[i]!
          const g = v * (1 - v) * dps[p + ch]! * scale
          acc[ch] += g
          out[i] = g
          outT[o + ch] = g
        }
      }
    }
  }
}

registerSplitKernel(POOLED_SIGMOID_GRAD, pooledSigmoidPart, [pooledSigmoidNHWC, pooledSigmoidHWNC, pooledSigmoidBoth])

registerHeapKernel(SIGMOID_GRAD_BIAS, ['y', 'dy'], (backend, [y, dy]) => {
  const f = y.shape[y.shape.length - 1] ?? 1
  const size = y.shape.reduce((s, d) => s * d, 1)
  const dz = backend.makeOutput([...y.shape], 'float32')
  const db = backend.makeOutput([f], 'float32')
  const ys = f32(backend, y)
  const dys = f32(backend, dy)
  const out = f32(backend, dz)
  const acc = new Float64Array(f)
  for (let i = 0; i < size; i += f) {
    for (let j = 0; j < f; j++) {
      const v = ys[i + j]
      const g = dys[i + j] * v * (1 - v)
      out[i + j] = g
      acc[j] += g
    }
  }
  f32(backend, db).set(acc)
  return [dz, db]
})

registerHeapKernel(SOFTMAX_CE, ['logits', 'labels'], (backend, [logits, labels]) => {
  const [b, k] = logits.shape
  const loss = backend.makeOutput([], 'float32')
  const grad = backend.makeOutput([b, k], 'float32')
  const zs = f32(backend, logits)
  const ls = labelsView(backend, labels)
  const gs = f32(backend, grad)
  let total = 0
  for (let r = 0; r < b; r++) {
    const o = r * k
    let max = -Infinity
    for (let j = 0; j < k; j++) max = Math.max(max, zs[o + j])
    let sum = 0
    for (let j = 0; j < k; j++) sum += Math.exp(zs[o + j] - max)
    const logSum = Math.log(sum) + max
    const label = Math.trunc(ls[r])
    for (let j = 0; j < k; j++) {
      const logP = zs[o + j] - logSum
      const hit = j === label ? 1 : 0
      gs[o + j] = (Math.exp(logP) - hit) / b
      if (hit) total -= logP
    }
  }
  f32(backend, loss)[0] = total / b
  return [loss, grad]
})
