import * as tf from '@tensorflow/tfjs-core'
import { createRequire } from 'node:module'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { availableBackends, selectBackend } from '../../../src/runtime/backends/select.js'
import { AUTO_ORDER, isBackendChoice } from '../../../src/runtime/backends/types.js'

const require = createRequire(import.meta.url)
const installed = (pkg: string): boolean => {
  try {
    require.resolve(pkg)
    return true
  } catch {
    return false
  }
}
const hasTfjsNode = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu')
if (hasTfjsNode) console.log('tfjs-node is installed: the "auto picks wasm" case does not apply and is skipped')

describe('selectBackend', () => {
  it.runIf(!hasTfjsNode)('auto picks wasm when no libtensorflow package is installed', async () => {
    const result = await selectBackend('auto', { threads: 2 })()
    if (E.isLeft(result)) throw new Error(result.left.message)
    expect(result.right.name).toBe('wasm')
    expect(result.right.tfBackend).toBe('wasm')
    expect(tf.getBackend()).toBe('wasm')
    expect(result.right.device).toMatch(/^wasm \(\d+ threads?(, SIMD)?\)$/)
    expect(result.right.threads).toBeGreaterThanOrEqual(1)
    // The selected backend computes, and gradients are registered: d/dx sum(x^2) = 2x.
    const x = tf.tensor1d([1, -2, 3])
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.square(t)))(x)
    expect(Array.from(await g.data())).toEqual([2, -4, 6])
  })

  it('reports an unavailable explicit choice as a typed error listing what is available', async () => {
    const available = await availableBackends()
    expect(available).toContain('wasm')
    expect(available).toContain('cpu')
    if (available.includes('tensorflow-gpu')) return // a CUDA machine: nothing to refuse here
    const result = await selectBackend('tensorflow-gpu')()
    if (E.isRight(result)) throw new Error('tensorflow-gpu was selected although it is unavailable')
    const err = result.left
    if (err._tag !== 'BackendUnavailable') throw new Error(`unexpected ${err._tag}`)
    expect(err.requested).toBe('tensorflow-gpu')
    expect(err.available).toEqual(available)
    expect(err.reason.length).toBeGreaterThan(0)
    expect(err.message).toContain("'tensorflow-gpu'")
    for (const name of available) expect(err.message).toContain(name)
  })

  it('uses cpu on request', async () => {
    const result = await selectBackend('cpu')()
    if (E.isLeft(result)) throw new Error(result.left.message)
    expect(result.right).toMatchObject({ name: 'cpu', tfBackend: 'cpu' })
    expect(tf.getBackend()).toBe('cpu')
    const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]]))
    expect(Array.from(await y.data())).toEqual([17, 39])
  })

  it('never tries webgpu or cpu automatically', () => {
    expect(AUTO_ORDER).not.toContain('webgpu')
    expect(AUTO_ORDER).not.toContain('cpu')
    expect(AUTO_ORDER[AUTO_ORDER.length - 1]).toBe('wasm')
  })

  it('narrows CLI strings to backend choices', () => {
    expect(isBackendChoice('auto')).toBe(true)
    expect(isBackendChoice('webgpu')).toBe(true)
    expect(isBackendChoice('gpu')).toBe(false)
  })
})
