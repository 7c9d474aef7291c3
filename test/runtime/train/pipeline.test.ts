/**
 * The training pipeline end to end on the cpu backend with a small program double (softmax regression) and a
 * synthetic dataset: report lines, output files, divergence, tensor hygiene, checkpoints and resume.
 */
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs-core'
import { type FileOps, nodeFileOps } from '../../../src/runtime/train/index.js'
import type { CompileTraining } from '../../../src/runtime/train/contract.js'
import { tempDir } from '../data/fixtures.js'
import { crashingAfter, softmaxRegression } from './double.js'
import { checkpointTensors, left, right, run, tinyData } from './support.js'

let data: Awaited<ReturnType<typeof tinyData>>
const outs: Array<{ cleanup: () => Promise<void> }> = []
const freshOut = async () => {
  const t = await tempDir('train-out')
  outs.push(t)
  return t.dir
}
beforeAll(async () => {
  data = await tinyData(60, 20)
})
afterAll(async () => {
  await data.cleanup()
  await Promise.all(outs.map((o) => o.cleanup()))
})

const base = { batchSize: 16, seed: 3 } as const

describe('train (pipeline)', () => {
  it("prints d2l's lines and writes the log, the checkpoint and the plot", async () => {
    const out = await freshOut()
    const { result, lines } = await run(softmaxRegression(0.05), { ...base, epochs: 3, dataDir: data.dir, out })
    const report = right(result)
    expect(lines[0]).toBe('training on cpu (JavaScript kernels, 1 thread)')
    const epochLines = lines.filter((l) => l.startsWith('epoch '))
    expect(epochLines).toHaveLength(3)
    for (const [i, l] of epochLines.entries()) expect(l).toMatch(new RegExp(`^epoch ${i + 1}: loss \\d+\\.\\d{3}, train acc [01]\\.\\d{3}, test acc [01]\\.\\d{3}$`))
    expect(lines.at(-2)).toMatch(/^loss \d+\.\d{3}, train acc [01]\.\d{3}, test acc [01]\.\d{3}$/)
    expect(lines.at(-1)).toMatch(/^\d+\.\d examples\/sec on cpu \(JavaScript kernels, 1 thread\)$/)
    expect(report.history.map((h) => h.examples)).toEqual([60, 60, 60])

    const log = (await readFile(join(out, 'log.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { epoch: number; loss: number })
    expect(log.map((r) => r.epoch)).toEqual([1, 2, 3])
    expect(log.map((r) => r.loss)).toEqual(report.history.map((h) => h.loss))

    const svg = await readFile(join(out, 'training.svg'), 'utf8')
    expect(svg.startsWith('<svg')).toBe(true)
    for (const s of ['train loss', 'train acc', 'test acc']) expect(svg).toContain(s)
    // one line mark per series, and a legend naming the three
    expect(svg.match(/class="mark-line role-mark/g)).toHaveLength(3)
    expect(svg).toContain('legend for fill color and stroke color with 3 values: train loss, train acc, test acc')
    expect(await readdir(out)).toEqual(['checkpoint.json', 'log.jsonl', 'training.svg'])
  })

  it('keeps the number of live tensors flat from epoch 2 on', async () => {
    const { result } = await run(softmaxRegression(0.05), { ...base, epochs: 4, dataDir: data.dir, out: await freshOut() })
    const t = right(result).tensorsAfterEpoch
    expect(t).toHaveLength(4)
    expect(new Set(t.slice(1)).size).toBe(1)
  })

  it('stops on a non-finite loss naming the epoch and the step (huge lr)', async () => {
    const { result, lines } = await run(softmaxRegression(1e38), { ...base, epochs: 3, dataDir: data.dir, out: await freshOut() })
    const e = left(result)
    expect(e._tag).toBe('Diverged')
    if (e._tag !== 'Diverged') return
    expect(e.epoch).toBe(1)
    expect(e.step).toBeGreaterThan(1) // the first step's loss is taken before any update
    expect(e.message).toContain(`epoch 1, step ${e.step}`)
    expect(lines.filter((l) => l.startsWith('epoch '))).toHaveLength(0)
    // checking every step stops at the same step
    const every = left((await run(softmaxRegression(1e38), { ...base, epochs: 3, dataDir: data.dir, out: await freshOut(), checkEvery: 1 })).result)
    expect(every).toMatchObject({ _tag: 'Diverged', epoch: 1, step: e.step })
  })

  it('names a later epoch and its step when the loss turns NaN there', async () => {
    // 60 examples / 16 = 4 steps per epoch; NaN from global step 6 = epoch 2, step 2.
    const nanFrom =
      (k: number, inner: CompileTraining): CompileTraining =>
      (spec, opts) => {
        const p = inner(spec, opts)
        let n = 0
        return {
          ...p,
          step: (x, y) => {
            const m = p.step(x, y)
            if (++n < k) return m
            const nan = tf.mul(m.lossSum, Number.NaN) as tf.Scalar
            m.lossSum.dispose()
            return { ...m, lossSum: nan }
          },
        }
      }
    const e = left((await run(nanFrom(6, softmaxRegression(0.05)), { ...base, epochs: 3, dataDir: data.dir, out: await freshOut() })).result)
    expect(e).toMatchObject({ _tag: 'Diverged', epoch: 2, step: 2, globalStep: 6 })
  })

  it('resumes to bit-identical params: 2 epochs == 1 epoch + resume 1 epoch', async () => {
    const straight = await freshOut()
    const split = await freshOut()
    const a = right((await run(softmaxRegression(0.05), { ...base, epochs: 2, dataDir: data.dir, out: straight })).result)
    right((await run(softmaxRegression(0.05), { ...base, epochs: 1, dataDir: data.dir, out: split })).result)
    const { result, lines } = await run(softmaxRegression(0.05), { ...base, epochs: 2, dataDir: data.dir, out: split, resume: true })
    const b = right(result)
    expect(lines[1]).toBe(`resuming from ${join(split, 'checkpoint.json')} after epoch 1`)
    expect(b.resumedFrom).toBe(1)
    expect(await checkpointTensors(join(split, 'checkpoint.json'))).toEqual(await checkpointTensors(join(straight, 'checkpoint.json')))
    // the divergence rule's reference (the run's first step's loss) survives the resume
    const reference = async (dir: string) => (JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8')) as { reference?: number }).reference
    expect(await reference(split)).toBeGreaterThan(0)
    expect(await reference(split)).toBe(await reference(straight))
    const strip = (h: typeof a.history) => h.map(({ seconds: _, ...r }) => r)
    expect(strip(b.history)).toEqual(strip(a.history))
  })

  it('resume refuses a checkpoint made with other settings', async () => {
    const out = await freshOut()
    right((await run(softmaxRegression(0.05), { ...base, epochs: 1, dataDir: data.dir, out })).result)
    const e = left((await run(softmaxRegression(0.05), { ...base, seed: 4, epochs: 2, dataDir: data.dir, out, resume: true })).result)
    expect(e).toMatchObject({ _tag: 'CheckpointMismatch', field: 'seed', saved: 3, requested: 4 })
  })

  it('a crash while writing the checkpoint leaves the previous one whole, and resume still reaches the same result', async () => {
    const straight = await freshOut()
    const out = await freshOut()
    right((await run(softmaxRegression(0.05), { ...base, epochs: 3, dataDir: data.dir, out: straight })).result)
    right((await run(softmaxRegression(0.05), { ...base, epochs: 1, dataDir: data.dir, out })).result)
    const before = await readFile(join(out, 'checkpoint.json'), 'utf8')
    // The process "dies" halfway through writing the next checkpoint: half the bytes land in the temp file, no cleanup runs.
    const dying: FileOps = {
      ...nodeFileOps,
      writeDurable: async (file, d) => {
        if (!file.includes('checkpoint.json')) return nodeFileOps.writeDurable(file, d)
        await nodeFileOps.writeDurable(file, typeof d === 'string' ? d.slice(0, d.length >> 1) : d.subarray(0, d.length >> 1))
        throw new Error('killed')
      },
      remove: async () => undefined,
    }
    const e = left((await run(softmaxRegression(0.05), { ...base, epochs: 3, dataDir: data.dir, out, resume: true }, { files: dying })).result)
    expect(e).toMatchObject({ _tag: 'WriteFailed' })
    expect(await readFile(join(out, 'checkpoint.json'), 'utf8')).toBe(before)
    // A crash inside a training step also leaves the last checkpoint as it was.
    left((await run(crashingAfter(2, softmaxRegression(0.05)), { ...base, epochs: 3, dataDir: data.dir, out, resume: true })).result)
    expect(await readFile(join(out, 'checkpoint.json'), 'utf8')).toBe(before)
    // Resuming after both crashes gives the uninterrupted run's params.
    right((await run(softmaxRegression(0.05), { ...base, epochs: 3, dataDir: data.dir, out, resume: true })).result)
    expect(await checkpointTensors(join(out, 'checkpoint.json'))).toEqual(await checkpointTensors(join(straight, 'checkpoint.json')))
  })

  it('--resume asking for fewer epochs than the checkpoint holds is an error before any work, and writes nothing', async () => {
    const out = await freshOut()
    right((await run(softmaxRegression(0.05), { ...base, epochs: 4, dataDir: data.dir, out })).result)
    const before = await readFile(join(out, 'checkpoint.json'), 'utf8')
    const { result, lines } = await run(softmaxRegression(0.05), { ...base, epochs: 2, dataDir: data.dir, out, resume: true })
    expect(left(result)).toMatchObject({ _tag: 'ConfigInvalid', issues: [{ field: 'epochs', value: 2, problem: `the checkpoint in ${out} already holds 4 epochs; ask for more to continue it` }] })
    expect(lines.filter((l) => l.startsWith('epoch '))).toEqual([])
    expect(await readFile(join(out, 'checkpoint.json'), 'utf8')).toBe(before)
    // as many epochs as it holds: nothing to train, nothing rewritten
    const same = right((await run(softmaxRegression(0.05), { ...base, epochs: 4, dataDir: data.dir, out, resume: true })).result)
    expect(same.resumedFrom).toBe(4)
    expect(await readFile(join(out, 'checkpoint.json'), 'utf8')).toBe(before)
  })

  it('rejects --limit beyond the data and trains on exactly --limit examples', async () => {
    const e = left((await run(softmaxRegression(0.05), { ...base, epochs: 1, dataDir: data.dir, out: await freshOut(), limit: 61 })).result)
    expect(e).toMatchObject({ _tag: 'ConfigInvalid', issues: [{ field: 'limit', value: 61 }] })
    const r = right((await run(softmaxRegression(0.05), { ...base, epochs: 1, dataDir: data.dir, out: await freshOut(), limit: 40 })).result)
    expect(r.history[0]!.examples).toBe(40)
  })
})
