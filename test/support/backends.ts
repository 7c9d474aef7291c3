/**
 * The tfjs backends every backend-dependent test runs on, and switching between them. One place for
 * the lowering, kernel, invariant and op tests (webgpu and tensorflow need hardware/binaries this box lacks).
 */
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import { registerGradients } from '../../src/runtime/backends/gradients.js'
import { initWasm } from '../../src/runtime/backends/wasm.js'

/** The backends tests run on. */
export const BACKENDS = ['cpu', 'wasm'] as const
export type TestBackend = (typeof BACKENDS)[number]

/**
 * Makes `name` the active backend (wasm single-threaded: test files run in parallel forks); with
 * `gradients`, tfjs's own gradients are registered too (for tests that compare with `tf.grads`).
 */
export const useBackend = async (name: TestBackend, opts: { readonly gradients?: boolean } = {}): Promise<void> => {
  if (opts.gradients) await registerGradients()
  if (name === 'wasm') await initWasm({ threads: 1 })
  else await tf.setBackend('cpu')
}
