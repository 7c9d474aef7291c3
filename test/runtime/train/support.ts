/** Shared setup of the training-loop tests: a tiny synthetic IDX dataset and an environment around a program double. */
import { readFile } from 'node:fs/promises'
import * as E from 'fp-ts/lib/Either.js'
import { selectBackend } from '../../../src/runtime/backends/select.js'
import { type RawConfig, type TrainEnv, type TrainError, type TrainReport, defaultEnv, train } from '../../../src/runtime/train/index.js'
import type { CompileTraining } from '../../../src/runtime/train/contract.js'
import { syntheticSplit, tempDir, writeIdxDir } from '../data/fixtures.js'
import { type ModelName, RECIPES, lenetSetup } from '../../../examples/models.js'

/** A data dir with `trainN` / `testN` synthetic 28x28 examples (labels i % 10). */
export const tinyData = async (trainN = 60, testN = 20) => {
  const t = await tempDir('train-data')
  await writeIdxDir(t.dir, syntheticSplit(trainN), syntheticSplit(testN))
  return t
}

/**
 * Runs `train` of a LeNet (`raw.model`, default 'lenet', with its recipe) on the IDX files in `dataDir` on
 * the cpu backend with `compile`; returns the result and the logged lines.
 */
export const run = async (compile: CompileTraining, { dataDir, ...raw }: RawConfig & { readonly dataDir: string }, env: Partial<TrainEnv> = {}) => {
  const lines: string[] = []
  const name = (raw.model ?? 'lenet') as ModelName
  const result = await train(lenetSetup(name, dataDir), { backend: 'cpu', ...raw, model: name }, RECIPES[name])({
    ...defaultEnv(compile, { log: (l) => lines.push(l), selectBackend: (c) => selectBackend(c) }),
    ...env,
  })()
  return { result, lines }
}

/** The Right of a training result, or a test failure with the error message. */
export const right = (r: E.Either<TrainError, TrainReport>): TrainReport => {
  if (E.isLeft(r)) throw new Error(`expected success, got ${r.left._tag}: ${r.left.message}`)
  return r.right
}

/** The Left of a training result, or a test failure. */
export const left = (r: E.Either<TrainError, TrainReport>): TrainError => {
  if (E.isRight(r)) throw new Error('expected a training error, got success')
  return r.left
}

/** The params and optimizer state stored in a checkpoint, as plain arrays by name. */
export const checkpointTensors = async (file: string): Promise<Record<string, number[]>> => {
  const j = JSON.parse(await readFile(file, 'utf8')) as { program: { params: Record<string, { base64: string }>; state: Record<string, { base64: string }> } }
  const all = { ...j.program.params, ...j.program.state }
  return Object.fromEntries(Object.entries(all).map(([k, v]) => {
    const b = Buffer.from(v.base64, 'base64')
    return [k, Array.from(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)))]
  }))
}
