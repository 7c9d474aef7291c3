/**
 * Device batches (src/runtime/data/device-batches.ts) hold exactly what the host batches hold, in the
 * same order, on wasm (bytes gathered on the heap) and on cpu (host batches copied in), and leave no
 * tensor behind once disposed.
 */
import * as tf from '@tensorflow/tfjs-core'
import { describe, expect, it } from 'vitest'
import { exampleBatches } from '../../../src/runtime/data/batches.js'
import { deviceBatches } from '../../../src/runtime/data/device-batches.js'
import type { Examples } from '../../../src/runtime/data/examples.js'
import { BACKENDS, useBackend } from '../../support/backends.js'

const images: Examples = {
  n: 37,
  shape: [1, 3, 5],
  x: Uint8Array.from({ length: 37 * 15 }, (_, i) => (i * 7) & 255),
  targetShape: [],
  targetDtype: 'int32',
  y: Uint8Array.from({ length: 37 }, (_, i) => i % 10),
}

describe.each(BACKENDS)('device batches on %s', (backend) => {
  it.each([
    ['shuffled, last batch kept', { batchSize: 8, shuffle: true, seed: 3, epoch: 2 }],
    ['in order, last batch dropped', { batchSize: 10, shuffle: false, dropLast: true }],
  ] as const)('equal the host batches (%s)', async (_name, opts) => {
    await useBackend(backend)
    const before = tf.memory().numTensors
    const host = [...exampleBatches(images, opts)]
    const list = deviceBatches(images, opts)
    const got = [...list].map((b) => {
      const v = { x: Array.from(b.x.dataSync()), y: Array.from(b.y.dataSync()), shape: b.x.shape, size: b.size }
      tf.dispose([b.x, b.y])
      return v
    })
    list.dispose()
    expect(got.map((b) => b.size)).toEqual(host.map((b) => b.size))
    got.forEach((b, i) => {
      expect(b.shape).toEqual([host[i]!.size, 1, 3, 5])
      expect(b.x).toEqual(Array.from(host[i]!.x))
      expect(b.y).toEqual(Array.from(host[i]!.y))
    })
    expect(tf.memory().numTensors).toBe(before)
  })
})
