/**
 * The training program as one fp-ts pipeline:
 * validate config -> select backend -> load data -> (resume: read checkpoint) -> init params (seeded) -> compile
 * -> per epoch: train, evaluate test accuracy, checkpoint, JSON-lines log, SVG plot -> final report.
 * Effects come from the Reader environment (compiler, console, files, clock), so tests swap any of them.
 */
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import * as RTE from 'fp-ts/lib/ReaderTaskEither.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { selectBackend } from '../backends/select.js'
import type { BackendChoice, BackendError, BackendInfo } from '../backends/types.js'
import type { DataError } from '../data/errors.js'
import type { Dataset } from '../data/dataset.js'
import { type LoadFashionMnistOptions, loadFashionMnist } from '../data/fashionMnist.js'
import type { Split } from '../data/split.js'
import { type FileOps, nodeFileOps, writeAtomic } from './atomicFile.js'
import { type Checkpoint, CHECKPOINT_FILE, type RunIdentity, checkIdentity, loadCheckpoint, saveCheckpoint } from './checkpoint.js'
import { type RawConfig, type TrainConfig, validateConfig } from './config.js'
import type { CompileTraining, TrainProgram } from './contract.js'
import { evaluateSplit, trainEpoch } from './epoch.js'
import { type TrainError, trainError } from './errors.js'
import { type EpochRecord, examplesPerSec, formatEpoch, formatFinal, formatThroughput, toJsonLines } from './history.js'
import { averages, deviceSum } from './metrics.js'
import { trainSpec } from './model.js'
import { writeTrainingSvg } from './plot.js'
import { type Progress, noProgress } from './progress.js'

/** The effects a training run uses. */
export interface TrainEnv {
  /** The compiler (src/compile/train.ts's `compileTraining`, or a test double). */
  readonly compile: CompileTraining
  /** One report line (stdout in the CLI). */
  readonly log: (line: string) => void
  readonly progress: Progress
  readonly selectBackend: (choice: BackendChoice) => TE.TaskEither<BackendError, BackendInfo>
  readonly loadData: (opts: LoadFashionMnistOptions) => TE.TaskEither<DataError, Dataset>
  readonly files: FileOps
  /** Milliseconds, monotonic. */
  readonly now: () => number
}

/**
 * The usual environment around a compiler: real backends, data, files and clock; silent unless `log` is given.
 * @example await train({ epochs: 1 })(defaultEnv(compileTraining, { log: console.log }))()
 */
export const defaultEnv = (compile: CompileTraining, overrides: Partial<Omit<TrainEnv, 'compile'>> = {}): TrainEnv => ({
  compile,
  log: () => undefined,
  progress: noProgress,
  selectBackend: (choice) => selectBackend(choice),
  loadData: loadFashionMnist,
  files: nodeFileOps,
  now: () => performance.now(),
  ...overrides,
})

/** The output files of a run, inside `--out`. */
export const OUTPUT_FILES = { checkpoint: CHECKPOINT_FILE, log: 'log.jsonl', plot: 'training.svg' } as const

/** What a finished run reports. */
export interface TrainReport {
  readonly config: TrainConfig
  readonly device: string
  readonly backend: BackendInfo['name']
  /** Every epoch, including those done before a resume. */
  readonly history: readonly EpochRecord[]
  readonly final: EpochRecord | undefined
  readonly examplesPerSec: number
  /** Epochs already done when this run started (0 for a fresh run). */
  readonly resumedFrom: number
  /** Training examples used and invalid input records dropped by the data layer. */
  readonly trainExamples: number
  readonly skippedRecords: number
  /** `tf.memory().numTensors` after each epoch this run trained (flat from the 2nd on when nothing leaks). */
  readonly tensorsAfterEpoch: readonly number[]
  readonly files: { readonly checkpoint: string; readonly log: string; readonly plot: string }
}

const identityOf = (c: TrainConfig): RunIdentity => ({
  model: c.model,
  optimizer: c.optimizer,
  lr: c.lr,
  lrDecay: c.lrDecay,
  batchSize: c.batchSize,
  seed: c.seed,
  limit: c.limit,
  data: c.dataDir ?? 'bundled fashion-mnist',
})

const limitTrain = (config: TrainConfig, data: Dataset): E.Either<TrainError, Split> => {
  const { train } = data
  if (config.limit === undefined) return E.right(train)
  if (config.limit > train.n) {
    return E.left(trainError.configInvalid([{ field: 'limit', value: config.limit, problem: `exceeds the ${train.n} training examples` }]))
  }
  const n = config.limit
  return E.right({ ...train, n, images: train.images.subarray(0, n * train.rows * train.cols), labels: train.labels.subarray(0, n) })
}

interface Prepared {
  readonly config: TrainConfig
  readonly backend: BackendInfo
  readonly train: Split
  readonly test: Split
  readonly skipped: number
  readonly resume: Checkpoint | undefined
}

const prepare = (raw: RawConfig): RTE.ReaderTaskEither<TrainEnv, TrainError, Prepared> =>
  pipe(
    RTE.fromEither(validateConfig(raw)),
    RTE.bindTo('config'),
    RTE.bind('backend', ({ config }) => (env: TrainEnv) => pipe(env.selectBackend(config.backend), TE.mapLeft(trainError.backend))),
    RTE.chainFirst(({ backend }) => (env: TrainEnv) => TE.fromIO(() => env.log(`training on ${backend.device}`))),
    RTE.bind('data', ({ config }) => (env: TrainEnv) =>
      pipe(env.loadData(config.dataDir === undefined ? {} : { dataDir: config.dataDir }), TE.mapLeft(trainError.data)),
    ),
    RTE.chainFirst(({ data }) => (env: TrainEnv) =>
      TE.fromIO(() => {
        if (data.skipped.length === 0) return
        const shown = data.skipped.slice(0, 5).map((s) => `${s.file}#${s.index}: ${s.reason}`)
        env.log(`skipped ${data.skipped.length} invalid records (${shown.join('; ')}${data.skipped.length > 5 ? '; ...' : ''})`)
      }),
    ),
    RTE.bind('train', ({ config, data }) => RTE.fromEither(limitTrain(config, data))),
    RTE.bind('resume', ({ config }) => (env: TrainEnv) =>
      !config.resume
        ? TE.right(undefined)
        : pipe(
            loadCheckpoint(config.out),
            TE.chainFirstEitherK((c) => (c === undefined ? E.right(undefined) : checkIdentity(config.out, c.identity, identityOf(config)))),
            TE.chainFirstIOK((c) => () =>
              env.log(c === undefined ? `no checkpoint in ${config.out}; starting from epoch 1` : `resuming from ${join(config.out, CHECKPOINT_FILE)} after epoch ${c.epoch}`),
            ),
          ),
    ),
    RTE.map(({ config, backend, data, train, resume }) => ({ config, backend, train, test: data.test, skipped: data.skipped.length, resume })),
  )

const compileProgram = (p: Prepared): RTE.ReaderTaskEither<TrainEnv, TrainError, TrainProgram> => (env) =>
  TE.fromEither(
    E.tryCatch(() => {
      const program = env.compile(trainSpec(p.config, Math.ceil(p.train.n / p.config.batchSize)), { backend: tf.getBackend() })
      if (p.resume !== undefined) program.load(p.resume.program)
      return program
    }, trainError.compileFailed),
  )

const timed = <A>(now: () => number, task: TE.TaskEither<TrainError, A>): TE.TaskEither<TrainError, readonly [A, number]> => async () => {
  const t0 = now()
  const r = await task()
  return pipe(r, E.map((a) => [a, (now() - t0) / 1000] as const))
}

interface Progressed {
  readonly history: readonly EpochRecord[]
  readonly tensors: readonly number[]
}

/** Trains epoch `epoch` (1-based) and writes its checkpoint, log and plot. */
const runEpoch = (p: Prepared, program: TrainProgram, sum: ReturnType<typeof deviceSum>, env: TrainEnv, epoch: number) => (done: Progressed): TE.TaskEither<TrainError, Progressed> => {
  const { config } = p
  const out = config.out
  const stepsPerEpoch = Math.ceil(p.train.n / config.batchSize)
  const plan = { epoch, batchSize: config.batchSize, seed: config.seed, stepsBefore: (epoch - 1) * stepsPerEpoch, checkEvery: config.checkEvery }
  return pipe(
    TE.fromIO(() => env.progress.start(`epoch ${epoch}/${config.epochs}`, stepsPerEpoch)),
    TE.chain(() => timed(env.now, trainEpoch(program, p.train, plan, sum, env.progress))),
    TE.chainFirstIOK(() => () => env.progress.stop()),
    TE.orElseFirstIOK(() => () => env.progress.stop()),
    TE.chain(([totals, seconds]) =>
      pipe(
        evaluateSplit(program, p.test, config.batchSize, sum, epoch),
        TE.map((test): EpochRecord => {
          const tr = averages(totals)
          return { epoch, loss: tr.loss, trainAcc: tr.acc, testAcc: averages(test).acc, examples: totals.count, seconds }
        }),
      ),
    ),
    TE.chainFirstIOK((record) => () => env.log(formatEpoch(record))),
    TE.map((record) => [...done.history, record]),
    TE.chainFirst((history) =>
      pipe(
        TE.tryCatch(() => program.read(), (e) => trainError.stepFailed(epoch, e)),
        TE.chain((state) => saveCheckpoint(out, { epoch, identity: identityOf(config), program: state, history }, env.files)),
      ),
    ),
    TE.chainFirst((history) => writeAtomic(join(out, OUTPUT_FILES.log), toJsonLines(history), env.files)),
    TE.chainFirst((history) => writeTrainingSvg(join(out, OUTPUT_FILES.plot), history, config.epochs, env.files)),
    TE.map((history) => ({ history, tensors: [...done.tensors, tf.memory().numTensors] })),
  )
}

/** Epochs `from`..`to` (1-based, inclusive) in order, each after the previous succeeded. */
const runEpochs = (p: Prepared, program: TrainProgram, env: TrainEnv): TE.TaskEither<TrainError, Progressed> => {
  const from = (p.resume?.epoch ?? 0) + 1
  const start: Progressed = { history: p.resume?.history ?? [], tensors: [] }
  const sum = deviceSum()
  const epochs = Array.from({ length: Math.max(0, p.config.epochs - from + 1) }, (_, i) => from + i)
  return pipe(
    epochs.reduce((acc, e) => pipe(acc, TE.chain(runEpoch(p, program, sum, env, e))), TE.right(start) as TE.TaskEither<TrainError, Progressed>),
    (t) => async () => {
      const r = await t()
      sum.empty.dispose()
      return r
    },
  )
}

/**
 * Runs a whole training from raw (unvalidated) config; prints d2l's lines through `env.log`:
 * `training on <device>`, `epoch k: loss ..., train acc ..., test acc ...` per epoch, then
 * `loss ..., train acc ..., test acc ...` and `<n> examples/sec on <device>`.
 *
 * @example
 * const report = await train({ epochs: 10, lr: 0.9 })(defaultEnv(compileTraining, { log: console.log }))()
 */
export const train = (raw: RawConfig): RTE.ReaderTaskEither<TrainEnv, TrainError, TrainReport> =>
  pipe(
    prepare(raw),
    RTE.chain((p) => (env: TrainEnv) =>
      pipe(
        TE.bracket(
          compileProgram(p)(env),
          (program) => runEpochs(p, program, env),
          (program) => TE.fromIO(() => program.dispose()),
        ),
        TE.map(({ history, tensors }): TrainReport => {
          const out = p.config.out
          return {
            config: p.config,
            device: p.backend.device,
            backend: p.backend.name,
            history,
            final: history[history.length - 1],
            examplesPerSec: examplesPerSec(history),
            resumedFrom: p.resume?.epoch ?? 0,
            trainExamples: p.train.n,
            skippedRecords: p.skipped,
            tensorsAfterEpoch: tensors,
            files: { checkpoint: join(out, OUTPUT_FILES.checkpoint), log: join(out, OUTPUT_FILES.log), plot: join(out, OUTPUT_FILES.plot) },
          }
        }),
        TE.chainFirstIOK((report) => () => {
          if (report.final === undefined) return
          env.log(formatFinal(report.final))
          env.log(formatThroughput(report.examplesPerSec, report.device))
        }),
      ),
    ),
  )
