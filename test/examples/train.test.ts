/**
 * The examples train through the public API: each example's `main` runs on a subset of Fashion-MNIST
 * (one epoch, a few thousand images, the wasm backend) and must reach a test accuracy well above chance
 * (0.1). The subsets and seeds are fixed, so the accuracies are the same on every run on a given backend
 * (measured with wasm: mlp 0.770, cnn 0.809, resnet 0.709); the thresholds leave room for other platforms' float
 * rounding, not for a model that does not learn.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-web'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main as cnnMain } from '../../examples/cnn.js'
import { main as mlpMain } from '../../examples/mlp.js'
import { main as resnetMain } from '../../examples/resnet.js'

// one thread: test files run in parallel forks on a small machine
ort.env.wasm.numThreads = 1

const lines: string[] = []
const log = (line: string) => void lines.push(line)

describe('examples/mlp.ts: fit, evaluate, predict, save, load, exportOnnx', () => {
  let outDir = ''
  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'typegrad-mlp-'))
  })
  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true })
  })

  it('learns, round-trips its file exactly, and exports an ONNX model that predicts the same', async () => {
    const run = await mlpMain({ epochs: 1, limit: 10000, outDir, backend: 'wasm', log })
    expect(run.testAcc).toBeGreaterThan(0.65)
    expect(run.predicted).toHaveLength(8)
    expect(run.labels).toHaveLength(8)
    expect(run.predicted.filter((p, i) => p === run.labels[i]).length).toBeGreaterThanOrEqual(4)
    expect(run.reloadIdentical).toBe(true)
    expect((await stat(run.modelFile)).size).toBeGreaterThan(0)

    const onnx = await readFile(run.onnxFile)
    expect(onnx.length).toBeGreaterThan(0)
    const session = await ort.InferenceSession.create(new Uint8Array(onnx))
    try {
      const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', run.images, [8, 1, 28, 28]) })
      const y = out[session.outputNames[0]!]!
      expect([...y.dims]).toEqual([8, 10])
      const theirs = y.data as Float32Array
      const worst = run.logits.reduce((w, v, i) => Math.max(w, Math.abs(v - theirs[i]!)), 0)
      expect(worst).toBeLessThanOrEqual(1e-4)
    } finally {
      await session.release()
    }
  })
})

describe('examples/cnn.ts and examples/resnet.ts: function-composition models train', () => {
  it('the CNN (a pipe of layers) learns', async () => {
    const { testAcc } = await cnnMain({ epochs: 1, limit: 4000, backend: 'wasm', log })
    expect(testAcc).toBeGreaterThan(0.65)
  })

  it('the residual network (blocks as functions with F.add) learns', async () => {
    const { testAcc } = await resnetMain({ epochs: 1, limit: 6000, batchSize: 32, backend: 'wasm', log })
    expect(testAcc).toBeGreaterThan(0.55)
  })
})
