/**
 * Host tensors: plain, backend-free values (a shape and a Float32Array), used for parameters and
 * checkpoints. The runtime uploads them to whatever backend runs the compiled graph.
 */
import type { Shape } from '../types/shape.js'
import type { Initializer } from './ops.js'
import { type Key, normal, uniform } from './random.js'

/** A host tensor of shape `S` (row-major float32 data). */
export interface Tensor<S extends Shape = Shape> {
  readonly shape: S
  readonly data: Float32Array
}

/** Elements in a known shape. */
export const numel = (shape: readonly (number | string)[]): number =>
  shape.reduce<number>((a, d) => {
    if (typeof d !== 'number') throw new Error(`numel: symbolic dim '${d}' in a parameter shape`)
    return a * d
  }, 1)

/**
 * A parameter tensor drawn from an initializer (fans as PyTorch computes them).
 *
 * @example
 * initTensor(key(0), [6, 1, 5, 5], 'xavierUniform', 25, 150).data.length // 150
 */
export const initTensor = <const S extends Shape>(k: Key, shape: S, init: Initializer, fanIn: number, fanOut: number): Tensor<S> => {
  const n = numel(shape)
  const data = ((): Float32Array => {
    switch (init) {
      case 'zeros':
        return new Float32Array(n)
      case 'ones':
        return new Float32Array(n).fill(1)
      case 'xavierUniform': {
        const a = Math.sqrt(6 / (fanIn + fanOut))
        return uniform(k, n, -a, a)
      }
      case 'xavierNormal':
        return normal(k, n, Math.sqrt(2 / (fanIn + fanOut)))
      case 'kaimingUniform': {
        const a = Math.sqrt(6 / fanIn)
        return uniform(k, n, -a, a)
      }
      case 'kaimingNormal':
        return normal(k, n, Math.sqrt(2 / fanIn))
      case 'normal':
        return normal(k, n, 1)
      case 'torchDefault': {
        const a = 1 / Math.sqrt(fanIn)
        return uniform(k, n, -a, a)
      }
    }
  })()
  return { shape, data }
}
