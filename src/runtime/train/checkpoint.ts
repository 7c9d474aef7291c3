/**
 * Per-epoch checkpoints: params, optimizer state, step counter, completed epochs, the seed (which, with the
 * epoch number, fixes the batch order) and the metrics history, in one JSON file written atomically.
 * Tensors are stored as base64 of their float32 bytes (little-endian), so a resumed run continues bit for bit.
 *
 * File format {@link CHECKPOINT_FORMAT} (2): one JSON object
 * `{ format, epoch, identity, rng, program: { step, params, state }, history, checksum }` where each tensor is
 * `{ shape: number[], dtype: 'float32', base64 }` and `checksum` is `'sha256:<64 hex digits>'`.
 *
 * Checksum rule: sha256 of the UTF-8 bytes of the file's JSON value WITHOUT its `checksum` field, serialized
 * canonically: no whitespace, object keys sorted by UTF-16 code units at every level, fields whose value is
 * `undefined` left out, arrays in order, strings and numbers as `JSON.stringify` writes them (see
 * {@link canonicalJson}). So the sum does not depend on key order or spacing, and any change to a value (one
 * base64 character, a dtype, an extra tensor, a history entry) is a mismatch.
 *
 * Reading validates in full, in this order: JSON syntax; `format`; the checksum; then every field: epoch, each
 * identity field with its type, rng, program.step, every tensor (shape of non-negative integers, dtype exactly
 * 'float32', canonical base64 of exactly prod(shape) * 4 bytes) and the history (one finite record per epoch,
 * numbered 1..epoch). Any failure is one line naming the field; the file is never modified by a read.
 */
import { createHash } from 'node:crypto'
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
/** The schema version written and read; bump it when the layout or the checksum rule changes. */
export const CHECKPOINT_FORMAT = 2
const CHECKSUM_PREFIX = 'sha256:'

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
  /** The run's first step's mean loss, the divergence rule's reference, so a resumed run keeps the same bound. */
  readonly reference?: number
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

const mapValues = <A, B>(r: Readonly<Record<string, A>>, f: (k: string, a: A) => B): Record<string, B> =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, f(k, v)]))

/**
 * The canonical JSON text of a JSON value (the checksum's input): no whitespace, object keys sorted by UTF-16
 * code units, `undefined` fields left out, arrays in order, leaves as `JSON.stringify` writes them.
 * @example canonicalJson({ b: [1, 'x'], a: { d: true, c: null } }) // '{"a":{"c":null,"d":true},"b":[1,"x"]}'
 */
export const canonicalJson = (v: unknown): string => {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`
  }
  return JSON.stringify(v) ?? 'null'
}

/** `'sha256:<hex>'` of a checkpoint's JSON value without its `checksum` field (see the file's doc comment). */
export const checkpointChecksum = (value: Readonly<Record<string, unknown>>): string => {
  const { checksum: _, ...body } = value
  return CHECKSUM_PREFIX + createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex')
}

/** The JSON text of a checkpoint, with its schema version and checksum. */
export const encodeCheckpoint = (c: Checkpoint): string => {
  const body = {
    format: CHECKPOINT_FORMAT,
    epoch: c.epoch,
    identity: c.identity,
    // How the run's randomness is derived, so a reader can reproduce it without the code at hand.
    rng: { seed: c.identity.seed, init: RNG_INIT, batchOrder: RNG_BATCH_ORDER },
    program: {
      step: c.program.step,
      params: mapValues(c.program.params, (_, t) => encodeTensor(t)),
      state: mapValues(c.program.state, (_, t) => encodeTensor(t)),
    },
    history: c.history,
    ...(c.reference === undefined ? {} : { reference: c.reference }),
  }
  return JSON.stringify({ ...body, checksum: checkpointChecksum(body) })
}

const RNG_INIT = 'key(seed) folded per layer index and param name'
const RNG_BATCH_ORDER = 'epochOrder(n, seed, epoch) for the 0-based epoch'

// ---- validation -------------------------------------------------------------------------------------------

/** A validation failure: the one-line reason, thrown inside {@link decodeCheckpoint} and caught there. */
class Invalid extends Error {}

const show = (v: unknown): string => {
  if (v === undefined) return 'missing'
  const s = typeof v === 'number' && !Number.isFinite(v) ? String(v) : (JSON.stringify(v) ?? String(v))
  return s.length > 40 ? `${s.slice(0, 37)}...` : s
}
const fail = (path: string, v: unknown, want: string): never => {
  throw new Invalid(`${path} is ${show(v)}, expected ${want}`)
}
/** `base.k`, or `base["k"]` for a key that is not an identifier; `k` alone at the top level (base ''). */
const keyPath = (base: string, k: string): string =>
  !/^[A-Za-z_$][\w$]*$/.test(k) ? `${base}[${JSON.stringify(k)}]` : base === '' ? k : `${base}.${k}`

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

const record = (path: string, v: unknown, required: readonly string[], optional: readonly string[] = []): Record<string, unknown> => {
  if (!isRecord(v)) return fail(path, v, 'an object')
  for (const k of required) if (!(k in v)) throw new Invalid(`${keyPath(path, k)} is missing`)
  const known = new Set([...required, ...optional])
  const extra = Object.keys(v).find((k) => !known.has(k))
  if (extra !== undefined) throw new Invalid(`${keyPath(path, extra)} is not a field of a checkpoint`)
  return v
}
const finite = (path: string, v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : fail(path, v, 'a finite number'))
const integer = (path: string, v: unknown, min: number): number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? v : fail(path, v, `an integer >= ${min}`)
const string = (path: string, v: unknown): string => (typeof v === 'string' ? v : fail(path, v, 'a string'))

/** Each identity field's check; a mapped type, so a field added to RunIdentity must be added here too. */
const IDENTITY_FIELDS: { readonly [K in keyof RunIdentity]-?: { readonly optional: boolean; readonly check: (path: string, v: unknown) => unknown } } = {
  model: { optional: false, check: string },
  optimizer: { optional: false, check: string },
  lr: { optional: false, check: (p, v) => (finite(p, v) > 0 ? v : fail(p, v, 'a number > 0')) },
  lrDecay: { optional: false, check: (p, v) => (finite(p, v) > 0 && (v as number) <= 1 ? v : fail(p, v, 'a number in (0, 1]')) },
  batchSize: { optional: false, check: (p, v) => integer(p, v, 1) },
  seed: { optional: false, check: (p, v) => integer(p, v, 0) },
  limit: { optional: true, check: (p, v) => integer(p, v, 1) },
  data: { optional: false, check: string },
}

const identityOf = (v: unknown): RunIdentity => {
  const fields = Object.entries(IDENTITY_FIELDS)
  const o = record('identity', v, fields.filter(([, f]) => !f.optional).map(([k]) => k), fields.filter(([, f]) => f.optional).map(([k]) => k))
  for (const [k, f] of fields) if (!(f.optional && o[k] === undefined)) f.check(`identity.${k}`, o[k])
  return o as unknown as RunIdentity
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

const tensorOf = (path: string, v: unknown): Tensor => {
  const o = record(path, v, ['shape', 'dtype', 'base64'])
  const shape = Array.isArray(o['shape']) ? (o['shape'] as unknown[]) : fail(`${path}.shape`, o['shape'], 'an array of dimensions')
  shape.forEach((d, i) => integer(`${path}.shape[${i}]`, d, 0))
  if (o['dtype'] !== 'float32') fail(`${path}.dtype`, o['dtype'], '"float32"')
  const b64 = string(`${path}.base64`, o['base64'])
  if (!BASE64.test(b64)) throw new Invalid(`${path}.base64 is not canonical base64`)
  const n = (shape as number[]).reduce((a, d) => a * d, 1)
  const bytes = Buffer.from(b64, 'base64')
  if (bytes.byteLength !== n * 4) throw new Invalid(`${path} holds ${bytes.byteLength} bytes, shape [${shape.join(', ')}] needs ${n * 4}`)
  const data = new Float32Array(n)
  new Uint8Array(data.buffer).set(bytes) // copy: Buffer's offset may not be 4-aligned
  return { shape: shape as number[], data }
}

const tensorsOf = (path: string, v: unknown): Record<string, Tensor> => {
  if (!isRecord(v)) return fail(path, v, 'an object of tensors by name')
  return mapValues(v, (k, t) => tensorOf(keyPath(path, k), t))
}

/** Each history field's check; a mapped type, so a field added to EpochRecord must be added here too. */
const HISTORY_FIELDS: { readonly [K in keyof EpochRecord]-?: { readonly optional: boolean; readonly check: (path: string, v: unknown) => unknown } } = {
  epoch: { optional: false, check: (p, v) => integer(p, v, 1) },
  loss: { optional: false, check: finite },
  trainAcc: { optional: true, check: finite },
  testAcc: { optional: true, check: finite },
  testLoss: { optional: true, check: finite },
  metrics: {
    optional: true,
    check: (p, v) => {
      const m = isRecord(v) ? v : fail(p, v, 'an object of numbers by name')
      for (const [k, x] of Object.entries(m)) finite(keyPath(p, k), x)
    },
  },
  examples: { optional: false, check: (p, v) => integer(p, v, 0) },
  seconds: { optional: false, check: (p, v) => (finite(p, v) >= 0 ? v : fail(p, v, 'a number >= 0')) },
}

const historyOf = (v: unknown, epoch: number): EpochRecord[] => {
  if (!Array.isArray(v)) return fail('history', v, `an array of ${epoch} epoch records`)
  if (v.length !== epoch) throw new Invalid(`history has ${v.length} epoch records, expected ${epoch} (one per completed epoch)`)
  const fields = Object.entries(HISTORY_FIELDS)
  return v.map((r, i): EpochRecord => {
    const p = `history[${i}]`
    const o = record(p, r, fields.filter(([, f]) => !f.optional).map(([k]) => k), fields.filter(([, f]) => f.optional).map(([k]) => k))
    for (const [k, f] of fields) if (!(f.optional && !(k in o))) f.check(`${p}.${k}`, o[k])
    if (o['epoch'] !== i + 1) fail(`${p}.epoch`, o['epoch'], String(i + 1))
    return o as unknown as EpochRecord
  })
}

/**
 * Parses and validates checkpoint text in full (see the file's doc comment): a one-line reason on failure,
 * never a throw.
 * @example decodeCheckpoint('{"format":1}') // Left('format 1, this typegrad reads checkpoint format 2')
 */
export const decodeCheckpoint = (text: string): E.Either<string, Checkpoint> =>
  E.tryCatch(
    (): Checkpoint => {
      let j: unknown
      try {
        j = JSON.parse(text)
      } catch (e) {
        throw new Invalid(`not valid JSON: ${e instanceof Error ? e.message : String(e)}`)
      }
      if (!isRecord(j)) return fail('the file', j, 'a JSON object')
      if (j['format'] !== CHECKPOINT_FORMAT) {
        const f = j['format']
        throw new Invalid(
          f === undefined
            ? 'no format field: not a typegrad checkpoint'
            : `format ${show(f)}, this typegrad reads checkpoint format ${CHECKPOINT_FORMAT}` +
                (typeof f === 'number' && f < CHECKPOINT_FORMAT ? ' (written by an older typegrad: train again into another --out)' : ''),
        )
      }
      const sum = j['checksum']
      if (typeof sum !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(sum)) fail('checksum', sum, "'sha256:' and 64 hex digits")
      if (checkpointChecksum(j) !== sum) throw new Invalid('checksum mismatch: the file was changed or damaged')
      record('', j, ['format', 'epoch', 'identity', 'program', 'history', 'checksum'], ['rng', 'reference'])
      const epoch = integer('epoch', j['epoch'], 0)
      const identity = identityOf(j['identity'])
      if (j['rng'] !== undefined) {
        const rng = record('rng', j['rng'], ['seed', 'init', 'batchOrder'])
        if (rng['seed'] !== identity.seed) fail('rng.seed', rng['seed'], `identity.seed ${identity.seed}`)
        string('rng.init', rng['init'])
        string('rng.batchOrder', rng['batchOrder'])
      }
      const program = record('program', j['program'], ['step', 'params', 'state'])
      const step = integer('program.step', program['step'], 0)
      const params = tensorsOf('program.params', program['params'])
      const state = tensorsOf('program.state', program['state'])
      const history = historyOf(j['history'], epoch)
      const reference = j['reference'] === undefined ? undefined : finite('reference', j['reference'])
      return { epoch, identity, program: { step, params, state }, history, ...(reference === undefined ? {} : { reference }) }
    },
    (e) => (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' '),
  )

/**
 * Writes `out/checkpoint.json` atomically. The text is decoded again before it is written, so a checkpoint
 * that could not be resumed from (a non-finite loss in the history, say) is a WriteFailed here, not a failed
 * resume later.
 */
export const saveCheckpoint = (out: string, c: Checkpoint, ops: FileOps = nodeFileOps): TE.TaskEither<TrainError, void> => {
  const file = join(out, CHECKPOINT_FILE)
  const text = encodeCheckpoint(c)
  return pipe(
    decodeCheckpoint(text),
    E.mapLeft((r) => trainError.writeFailed(file, `the checkpoint would not be readable: ${r}`)),
    TE.fromEither,
    TE.chain(() => writeAtomic(file, text, ops)),
  )
}

/**
 * Reads and validates `out/checkpoint.json`: Right(undefined) when there is none, Left (CheckpointUnreadable,
 * one line naming the file and what is wrong) when it exists but is unusable. The file is only read.
 */
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

/** The names and shapes of the tensors a program holds (a {@link ProgramState} fits). */
export interface ExpectedTensors {
  readonly params: Readonly<Record<string, { readonly shape: readonly (number | string)[] }>>
  readonly state: Readonly<Record<string, { readonly shape: readonly (number | string)[] }>>
}

/**
 * Checks that a checkpoint holds exactly the params and optimizer state the program expects: no tensor
 * missing, none extra (an extra one means the file is from another model or was edited), every shape equal.
 * Left is CheckpointUnreadable naming `out/checkpoint.json` and the first difference.
 * @example checkCheckpointParams('out', ckpt.program, await program.read()) // Right(undefined)
 */
export const checkCheckpointParams = (out: string, saved: Pick<ProgramState, 'params' | 'state'>, expected: ExpectedTensors): E.Either<TrainError, void> => {
  const bad = (why: string) => E.left(trainError.checkpointUnreadable(join(out, CHECKPOINT_FILE), why))
  for (const [group, label] of [['params', 'param'], ['state', 'optimizer state']] as const) {
    const have = saved[group]
    const want = expected[group]
    const missing = Object.keys(want).filter((k) => !Object.hasOwn(have, k))
    if (missing.length > 0) return bad(`it lacks ${label} ${missing.map((k) => `'${k}'`).join(', ')} of this model`)
    const extra = Object.keys(have).filter((k) => !Object.hasOwn(want, k))
    if (extra.length > 0) return bad(`it holds ${label} ${extra.map((k) => `'${k}'`).join(', ')} that this model does not have`)
    for (const [k, w] of Object.entries(want)) {
      const s = have[k]!.shape
      if (s.length !== w.shape.length || s.some((d, i) => d !== w.shape[i])) return bad(`${label} '${k}' has shape [${s.join(', ')}], this model needs [${w.shape.join(', ')}]`)
    }
  }
  return E.right(undefined)
}
