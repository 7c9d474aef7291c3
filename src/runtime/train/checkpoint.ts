/**
 * Per-epoch checkpoints: params, optimizer state, step counter, completed epochs, the seed (which, with the
 * epoch number, fixes the batch order) and the metrics history, in one JSON file written atomically.
 * Tensors are stored as base64 of their float32 bytes, so a resumed run continues bit for bit.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Tensor } from '../../dsl/tensor.js'
import { type FileOps, nodeFileOps, writeAtomic } from './atomicFile.js'
import type { TrainConfig } from './config.js'
import type { ProgramState } from './contract.js'
import { type TrainError, trainError } from './errors.js'
import type { EpochRecord } from './history.js'

/** The checkpoint's file name inside `--out`. */
export const CHECKPOINT_FILE = 'checkpoint.json'
const FORMAT = 1

/** The settings a resumed run must share with the saved one (else the result would differ). */
export type RunIdentity = Pick<TrainConfig, 'model' | 'lr' | 'lrDecay' | 'batchSize' | 'seed' | 'limit'> & {
  /** The optimizer's name ('sgd', ...) or, for an optimizer value, its description ('adam(lr=0.001, ...)'). */
  readonly optimizer: string
  readonly data: string
}

/** A decoded checkpoint. */
export interface Checkpoint {
  /** Epochs completed; the run continues with epoch `epoch + 1`. */
  readonly epoch: number
  readonly identity: RunIdentity
  readonly program: ProgramState
  readonly history: readonly EpochRecord[]
}

interface EncodedTensor {
  readonly shape: readonly number[]
  readonly dtype: 'float32'
  readonly base64: string
}

const encodeTensor = (t: Tensor): EncodedTensor => ({
  shape: t.shape.map(Number),
  dtype: 'float32',
  base64: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64'),
})

const decodeTensor = (name: string, e: EncodedTensor): Tensor => {
  const bytes = Buffer.from(e.base64, 'base64')
  const n = e.shape.reduce((a, d) => a * d, 1)
  if (bytes.byteLength !== n * 4) throw new Error(`tensor '${name}' has ${bytes.byteLength} bytes, shape [${e.shape}] needs ${n * 4}`)
  const data = new Float32Array(n)
  new Uint8Array(data.buffer).set(bytes) // copy: Buffer's offset may not be 4-aligned
  return { shape: e.shape, data }
}

const mapValues = <A, B>(r: Readonly<Record<string, A>>, f: (k: string, a: A) => B): Record<string, B> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, f(k, v)]))

/** The JSON text of a checkpoint. */
export const encodeCheckpoint = (c: Checkpoint): string =>
  JSON.stringify({
    format: FORMAT,
    epoch: c.epoch,
    identity: c.identity,
    // How the run's randomness is derived, so a reader can reproduce it without the code at hand.
    rng: { seed: c.identity.seed, init: 'key(seed) folded per layer index and param name', batchOrder: 'epochOrder(n, seed, epoch) for the 0-based epoch' },
    program: {
      step: c.program.step,
      params: mapValues(c.program.params, (_, t) => encodeTensor(t)),
      state: mapValues(c.program.state, (_, t) => encodeTensor(t)),
    },
    history: c.history,
  })

/** Parses checkpoint text; a readable reason on failure. */
export const decodeCheckpoint = (text: string): E.Either<string, Checkpoint> =>
  E.tryCatch(
    () => {
      const j = JSON.parse(text) as {
        format: number
        epoch: number
        identity: RunIdentity
        program: { step: number; params: Record<string, EncodedTensor>; state: Record<string, EncodedTensor> }
        history: EpochRecord[]
      }
      if (j.format !== FORMAT) throw new Error(`format ${j.format}, expected ${FORMAT}`)
      if (!Number.isInteger(j.epoch) || j.epoch < 0) throw new Error(`bad epoch ${j.epoch}`)
      if (typeof j.identity !== 'object' || j.identity === null) throw new Error('it records no run identity')
      if (!Array.isArray(j.history) || j.history.length !== j.epoch) throw new Error(`history has ${j.history?.length} epochs, expected ${j.epoch}`)
      return {
        epoch: j.epoch,
        identity: j.identity,
        program: { step: j.program.step, params: mapValues(j.program.params, decodeTensor), state: mapValues(j.program.state, decodeTensor) },
        history: j.history,
      }
    },
    (e) => (e instanceof Error ? e.message : String(e)),
  )

/** Writes `out/checkpoint.json` atomically. */
export const saveCheckpoint = (out: string, c: Checkpoint, ops: FileOps = nodeFileOps): TE.TaskEither<TrainError, void> =>
  writeAtomic(join(out, CHECKPOINT_FILE), encodeCheckpoint(c), ops)

/** Reads `out/checkpoint.json`: Right(undefined) when there is none, Left when it exists but is unusable. */
export const loadCheckpoint = (out: string): TE.TaskEither<TrainError, Checkpoint | undefined> => {
  const file = join(out, CHECKPOINT_FILE)
  return pipe(
    TE.tryCatch(
      () => readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e))),
      (e) => trainError.checkpointUnreadable(file, e),
    ),
    TE.chain((text) =>
      text === undefined ? TE.right(undefined) : TE.fromEither(pipe(decodeCheckpoint(text), E.mapLeft((r) => trainError.checkpointUnreadable(file, r)))),
    ),
  )
}

/** The first identity field in which a checkpoint differs from this run, as a typed error. */
export const checkIdentity = (out: string, saved: RunIdentity, run: RunIdentity): E.Either<TrainError, void> => {
  for (const k of Object.keys(run) as (keyof RunIdentity)[]) {
    if (saved[k] !== run[k]) return E.left(trainError.checkpointMismatch(join(out, CHECKPOINT_FILE), k, saved[k] ?? null, run[k] ?? null))
  }
  return E.right(undefined)
}
