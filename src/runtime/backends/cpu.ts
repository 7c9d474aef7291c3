/**
 * The plain-JavaScript tfjs backend: slowest, but dependency-free and bit-for-bit predictable,
 * so it is offered on request only (debugging, reference results).
 */
import * as tf from '@tensorflow/tfjs-core'
import type { InitResult } from './types.js'

/**
 * Makes `cpu` the active tfjs backend.
 * @example await initCpu() // { ok: true, info: { name: 'cpu', tfBackend: 'cpu', device: 'cpu (JavaScript kernels, 1 thread)' } }
 */
export async function initCpu(): Promise<InitResult> {
  await import('@tensorflow/tfjs-backend-cpu')
  if (!(await tf.setBackend('cpu'))) return { ok: false, reason: 'tfjs cpu backend failed to initialise' }
  return {
    ok: true,
    info: { name: 'cpu', tfBackend: tf.getBackend(), device: 'cpu (JavaScript kernels, 1 thread)', threads: 1 },
  }
}
