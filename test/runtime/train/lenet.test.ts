/**
 * The training pipeline with the real compiler (src/compile/train.ts) on a tiny synthetic slice, wasm backend (the cpu backend's conv gradients take seconds per step):
 * resume equivalence (2 epochs == 1 + resume 1, bitwise), flat tensor count across epochs, both models.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileTraining } from '../../../src/compile/train.js'
import { tempDir } from '../data/fixtures.js'
import { checkpointTensors, right, run, tinyData } from './support.js'

let data: Awaited<ReturnType<typeof tinyData>>
const outs: Array<{ cleanup: () => Promise<void> }> = []
const freshOut = async () => {
  const t = await tempDir('lenet-out')
  outs.push(t)
  return t.dir
}
beforeAll(async () => {
  data = await tinyData(48, 16)
})
afterAll(async () => {
  await data.cleanup()
  await Promise.all(outs.map((o) => o.cleanup()))
})

describe.each(['lenet', 'lenet-modern'] as const)('%s with the real compiler', (model) => {
  const base = { model, batchSize: 16, seed: 5, backend: 'wasm' } as const

  it('resumes to bit-identical params and optimizer state', async () => {
    const straight = await freshOut()
    const split = await freshOut()
    const a = right((await run(compileTraining, { ...base, dataDir: data.dir, epochs: 2, out: straight })).result)
    right((await run(compileTraining, { ...base, dataDir: data.dir, epochs: 1, out: split })).result)
    const b = right((await run(compileTraining, { ...base, dataDir: data.dir, epochs: 2, out: split, resume: true })).result)
    const [ta, tb] = [await checkpointTensors(join(straight, 'checkpoint.json')), await checkpointTensors(join(split, 'checkpoint.json'))]
    expect(Object.keys(tb).sort()).toEqual(Object.keys(ta).sort())
    expect(tb).toEqual(ta)
    expect(b.history.map((h) => h.loss)).toEqual(a.history.map((h) => h.loss))
  })

  it('keeps the number of live tensors flat from epoch 2 on', async () => {
    const r = right((await run(compileTraining, { ...base, dataDir: data.dir, epochs: 3, out: await freshOut() })).result)
    expect(new Set(r.tensorsAfterEpoch.slice(1)).size).toBe(1)
  })
})
