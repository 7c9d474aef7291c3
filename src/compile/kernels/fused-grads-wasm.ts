/**
 * Fused elementwise gradient kernels on the wasm heap (one pass over memory instead of 3-6
 * single-threaded tfjs-wasm ops). Registered on import; used by sigmoid-grad.ts and
 * softmax-cross-entropy.ts when the wasm backend is active.
 */
import type * as tf from '@tensorflow/tfjs-core'
import { f32, registerHeapKernel, type WasmHeapBackend } from './wasm-heap.js'

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
  const scale = 1 / (kH * kW)
  // One pass in input order; the HWNC writes scatter in 24-byte runs, which measured faster
  // than reading y scattered. Specialised loops: JS float math is the bottleneck (~5 ns/element).
  if (a && t) pooledSigmoidBoth(ys, dps, a, t, acc, n, h, w, c, oh, ow, kH, kW, scale)
  else if (a) pooledSigmoidNHWC(ys, dps, a, acc, n, h, w, c, oh, ow, kH, kW, scale)
  else if (t) pooledSigmoidHWNC(ys, dps, t, acc, n, h, w, c, oh, ow, kH, kW, scale)
  f32(backend, db).set(acc)
  if (dx) outs.push(dx)
  if (dxT) outs.push(dxT)
  outs.push(db)
  return outs
})

function pooledSigmoidNHWC(
  ys: Float32Array, dps: Float32Array, out: Float32Array, acc: Float64Array,
  n: number, h: number, w: number, c: number, oh: number, ow: number, kH: number, kW: number, scale: number,
): void {
  let i = 0
  for (let b = 0; b < n; b++) {
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
  ys: Float32Array, dps: Float32Array, out: Float32Array, acc: Float64Array,
  n: number, h: number, w: number, c: number, oh: number, ow: number, kH: number, kW: number, scale: number,
): void {
  let i = 0
  for (let b = 0; b < n; b++) {
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
  ys: Float32Array, dps: Float32Array, out: Float32Array, outT: Float32Array, acc: Float64Array,
  n: number, h: number, w: number, c: number, oh: number, ow: number, kH: number, kW: number, scale: number,
): void {
  let i = 0
  for (let b = 0; b < n; b++) {
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
