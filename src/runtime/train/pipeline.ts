/**
 * The training program as one fp-ts pipeline:
 * validate config -> select backend -> load data -> check its shapes against the model -> (resume: read
 * checkpoint) -> init params (seeded) -> compile -> per epoch: train, evaluate the test split, checkpoint,
 * JSON-lines log, SVG plot (when there is an `out`) -> final report with the trained params.
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
import { type Examples, inputDtype, takeFirst } from '../data/examples.js'
import type { DataSource, DataSplits } from '../data/sources.js'
import { ShapeError } from '../../dsl/shape.js'
import type { Tensor } from '../../dsl/tensor.js'
import { type FileOps, nodeFileOps, probeWritable, removeStaleTemps, writeAtomic } from './atomicFile.js'
import { type Checkpoint, CHECKPOINT_FILE, type RunIdentity, checkIdentity, loadCheckpoint, saveCheckpoint } from './checkpoint.js'
import { type RawConfig, type Recipe, type TrainConfig, validateConfig } from './config.js'
import type { CompileTraining, TrainProgram } from './contract.js'
import { evaluateSplit, trainEpoch } from './epoch.js'
import { type TrainError, trainError } from './errors.js'
import { type EpochRecord, examplesPerSec, formatEpoch, formatFinal, formatThroughput, toJsonLines } from './history.js'
import { type Accumulator, type Averages, averages, deviceSum } from './metrics.js'
import { type TrainSetup, checkData, trainSpec } from './model.js'
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
  /** Loads a data source (its own `load`, unless a test swaps it). */
  readonly loadData: (source: DataSource) => TE.TaskEither<DataError, DataSplits>
  readonly files: FileOps
  /** Milliseconds, monotonic. */
  readonly now: () => number
}

/**
 * The usual environment around a compiler: real backends, data, files and clock; silent unless `log` is given.
 * @example await train(setup, { epochs: 1 })(defaultEnv(compileTraining, { log: console.log }))()
 */
export const defaultEnv = (compile: CompileTraining, overrides: Partial<Omit<TrainEnv, 'compile'>> = {}): TrainEnv => ({
  compile,
  log: () => undefined,
  progress: noProgress,
  selectBackend: (choice) => selectBackend(choice),
  loadData: (source) => source.load(),
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
  /** The trained params (buffers included) by leaf name, read back from the device. */
  readonly params: Readonly<Record<string, Tensor>>
  /** The files written in `out` (absent when the run had no `out`). */
  readonly files: { readonly checkpoint: string; readonly log: string; readonly plot: string } | undefined
}

const identityOf = (c: TrainConfig, setup: TrainSetup, data: string): RunIdentity => ({
  model: c.model,
  optimizer: setup.optimizer?.name ?? c.optimizer,
  lr: c.lr,
  lrDecay: c.lrDecay,
  batchSize: c.batchSize,
  seed: c.seed,
  limit: c.limit,
  data,
})

const limitTrain = (config: TrainConfig, train: Examples): E.Either<TrainError, Examples> => {
  if (config.limit === undefined) return E.right(train)
  if (config.limit > train.n) {
    return E.left(trainError.configInvalid([{ field: 'limit', value: config.limit, problem: `exceeds the ${train.n} training examples` }]))
  }
  return E.right(takeFirst(train, config.limit))
}

interface Prepared {
  readonly config: TrainConfig
  readonly setup: TrainSetup
  readonly backend: BackendInfo
  readonly train: Examples
  readonly test: Examples | undefined
  readonly source: string
  readonly skipped: number
  readonly resume: Checkpoint | undefined
}

/** The model's examples and targets against the data's, as a typed error (before any compiling). */
const checkShapes = (setup: TrainSetup, data: DataSplits): E.Either<TrainError, void> => {
  for (const ex of [data.train, data.test]) {
    if (ex === undefined) continue
    const bad = E.tryCatch(
      () => checkData(setup.model, setup.loss, ex.shape, { shape: ex.targetShape, dtype: ex.targetDtype }, inputDtype(ex)),
      (e) => (e instanceof ShapeError ? e : new ShapeError('model', String(e))),
    )
    if (E.isLeft(bad)) return E.left(trainError.shape(bad.left))
    if (bad.right !== undefined) return E.left(trainError.shape(bad.right))
  }
  return E.right(undefined)
}

const logSkipped = (env: TrainEnv, skipped: DataSplits['skipped']) => {
  if (skipped.length === 0) return
  const shown = skipped.slice(0, 5).map((s) => `${s.file}#${s.index}: ${s.reason}`)
  env.log(`skipped ${skipped.length} invalid records (${shown.join('; ')}${skipped.length > 5 ? '; ...' : ''})`)
}

const prepare = (setup: TrainSetup, raw: RawConfig, recipe?: Recipe): RTE.ReaderTaskEither<TrainEnv, TrainError, Prepared> =>
  pipe(
    RTE.fromEither(validateConfig(raw, recipe)),
    RTE.bindTo('config'),
    // an unusable --out must stop the run before any data is read or any step trained
    RTE.chainFirst(({ config }) => (env: TrainEnv) => (config.out === undefined ? TE.right(undefined) : probeWritable(config.out, env.files))),
    // what a killed run left half-written is removed before this run writes its own
    RTE.chainFirst(({ config }) => (env: TrainEnv) =>
      config.out === undefined
        ? TE.right(undefined)
        : pipe(
            removeStaleTemps(config.out),
            TE.chainFirstIOK((removed) => () => {
              if (removed.length > 0) env.log(`removed ${removed.length} stale temp file(s) of a killed run: ${removed.join(', ')}`)
            }),
          ),
    ),
    RTE.bind('backend', ({ config }) => (env: TrainEnv) => pipe(env.selectBackend(config.backend), TE.mapLeft(trainError.backend))),
    RTE.chainFirst(({ backend }) => (env: TrainEnv) => TE.fromIO(() => env.log(`training on ${backend.device}`))),
    RTE.bind('data', () => (env: TrainEnv) => pipe(env.loadData(setup.data), TE.mapLeft(trainError.data))),
    RTE.chainFirst(({ data }) => (env: TrainEnv) => TE.fromIO(() => logSkipped(env, data.skipped))),
    RTE.chainFirst(({ data }) => (env: TrainEnv) => TE.fromIO(() => (data.notes ?? []).forEach((n) => env.log(n)))),
    RTE.chainFirst(({ data }) => RTE.fromEither(checkShapes(setup, data))),
    RTE.bind('train', ({ config, data }) => RTE.fromEither(limitTrain(config, data.train))),
    RTE.bind('resume', ({ config, data }) => (env: TrainEnv) =>
      !config.resume || config.out === undefined
        ? TE.right(undefined)
        : pipe(
            loadCheckpoint(config.out),
            TE.chainFirstEitherK((c) => (c === undefined ? E.right(undefined) : checkIdentity(config.out!, c.identity, identityOf(config, setup, data.source)))),
            TE.chainFirstEitherK((c) =>
              c !== undefined && c.epoch > config.epochs
                ? E.left(trainError.configInvalid([{ field: 'epochs', value: config.epochs, problem: `the checkpoint in ${config.out} already holds ${c.epoch} epochs; ask for more to continue it` }]))
                : E.right(undefined),
            ),
            TE.chainFirstIOK((c) => () =>
              env.log(c === undefined ? `no checkpoint in ${config.out}; starting from epoch 1` : `resuming from ${join(config.out!, CHECKPOINT_FILE)} after epoch ${c.epoch}`),
            ),
          ),
    ),
    RTE.map(({ config, backend, data, train, resume }) => ({ config, setup, backend, train, test: data.test, source: data.source, skipped: data.skipped.length, resume })),
  )

const compileProgram = (p: Prepared): RTE.ReaderTaskEither<TrainEnv, TrainError, TrainProgram> => (env) =>
  TE.fromEither(
    pipe(
      E.tryCatch(() => env.compile(trainSpec(p.setup, p.config, Math.ceil(p.train.n / p.config.batchSize)), { backend: tf.getBackend() }), trainError.compileFailed),
      E.chain((program) =>
        p.resume === undefined
          ? E.right(program)
          : E.tryCatch(
              () => {
                try {
                  program.load(p.resume!.program)
                  return program
                } catch (e) {
                  // the bracket releases only what was acquired: a program that cannot take the checkpoint is freed here
                  program.dispose()
                  throw e
                }
              },
              (e) => trainError.checkpointUnreadable(join(p.config.out!, CHECKPOINT_FILE), e),
            ),
      ),
    ),
  )

const timed = <A>(now: () => number, task: TE.TaskEither<TrainError, A>): TE.TaskEither<TrainError, readonly [A, number]> => async () => {
  const t0 = now()
  const r = await task()
  return pipe(r, E.map((a) => [a, (now() - t0) / 1000] as const))
}

interface Progressed {
  readonly history: readonly EpochRecord[]
  readonly tensors: readonly number[]
  /** The run's first step's mean loss: the divergence rule's reference. */
  readonly reference: number | undefined
}

const record = (program: TrainProgram, epoch: number, train: Accumulator<number>, test: Accumulator<number> | undefined, seconds: number): EpochRecord => {
  const tr = averages(train)
  const te = test === undefined ? undefined : averages(test)
  const named = (a: Averages, prefix: string) => Object.fromEntries(program.metricNames.map((n, i) => [`${prefix}${n}`, a.extra[i]!]))
  return {
    epoch,
    loss: tr.loss,
    ...(program.hasAccuracy ? { trainAcc: tr.acc } : {}),
    ...(te === undefined ? {} : program.hasAccuracy ? { testAcc: te.acc } : { testLoss: te.loss }),
    ...(program.metricNames.length > 0 ? { metrics: { ...named(tr, ''), ...(te === undefined ? {} : named(te, 'test ')) } } : {}),
    examples: train.count,
    seconds,
  }
}

/** Writes epoch `record`'s checkpoint, log and plot into `out`. */
const writeOutputs = (p: Prepared, program: TrainProgram, env: TrainEnv, epoch: number, out: string, history: readonly EpochRecord[], reference: number | undefined): TE.TaskEither<TrainError, unknown> =>
  pipe(
    TE.tryCatch(() => program.read(), (e) => trainError.stepFailed(epoch, e)),
    TE.chain((state) => saveCheckpoint(out, { epoch, identity: identityOf(p.config, p.setup, p.source), program: state, history, ...(reference === undefined ? {} : { reference }) }, env.files)),
    TE.chain(() => writeAtomic(join(out, OUTPUT_FILES.log), toJsonLines(history), env.files)),
    TE.chain(() => writeTrainingSvg(join(out, OUTPUT_FILES.plot), history, p.config.epochs, env.files)),
  )

/** Trains epoch `epoch` (1-based) and writes its checkpoint, log and plot. */
const runEpoch = (p: Prepared, program: TrainProgram, sum: ReturnType<typeof deviceSum>, env: TrainEnv, epoch: number) => (done: Progressed): TE.TaskEither<TrainError, Progressed> => {
  const { config } = p
  const stepsPerEpoch = Math.ceil(p.train.n / config.batchSize)
  const plan = { epoch, batchSize: config.batchSize, seed: config.seed, stepsBefore: (epoch - 1) * stepsPerEpoch, checkEvery: config.checkEvery, ...(done.reference === undefined ? {} : { reference: done.reference }) }
  let reference = done.reference
  return pipe(
    TE.fromIO(() => env.progress.start(`epoch ${epoch}/${config.epochs}`, stepsPerEpoch)),
    TE.chain(() => timed(env.now, trainEpoch(program, p.train, plan, sum, env.progress))),
    TE.chainFirstIOK(() => () => env.progress.stop()),
    TE.orElseFirstIOK(() => () => env.progress.stop()),
    TE.chain(([trained, seconds]) =>
      pipe(
        p.test === undefined ? TE.right<TrainError, Accumulator<number> | undefined>(undefined) : evaluateSplit(program, p.test, config.batchSize, sum, epoch),
        TE.map((test) => {
          reference = trained.reference
          return record(program, epoch, trained.totals, test, seconds)
        }),
      ),
    ),
    TE.chainFirstIOK((r) => () => {
      env.log(formatEpoch(r))
      p.setup.onEpoch?.(r)
    }),
    TE.map((r): readonly EpochRecord[] => [...done.history, r]),
    TE.chainFirst((history) => (config.out === undefined ? TE.right(undefined) : writeOutputs(p, program, env, epoch, config.out, history, reference))),
    TE.map((history) => ({ history, tensors: [...done.tensors, tf.memory().numTensors], reference })),
  )
}

/** Epochs `from`..`to` (1-based, inclusive) in order, each after the previous succeeded. */
const runEpochs = (p: Prepared, program: TrainProgram, env: TrainEnv): TE.TaskEither<TrainError, Progressed> => {
  const from = (p.resume?.epoch ?? 0) + 1
  const start: Progressed = { history: p.resume?.history ?? [], tensors: [], reference: p.resume?.reference }
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
 * Runs a whole training of `setup` (model, loss, data) with raw (unvalidated) settings; prints d2l's lines
 * through `env.log`: `training on <device>`, `epoch k: loss ..., train acc ..., test acc ...` per epoch, then
 * `loss ..., train acc ..., test acc ...` and `<n> examples/sec on <device>`. `recipe` gives the defaults of
 * optimizer, lr and decay.
 *
 * @example
 * const report = await train({ model: lenet, loss: crossEntropy, data: fashionMnist() }, { epochs: 10, lr: 0.9, optimizer: 'sgd' })(defaultEnv(compileTraining, { log: console.log }))()
 */
export const train = (setup: TrainSetup, raw: RawConfig, recipe?: Recipe): RTE.ReaderTaskEither<TrainEnv, TrainError, TrainReport> =>
  pipe(
    prepare(setup, raw, recipe),
    RTE.chain((p) => (env: TrainEnv) =>
      pipe(
        TE.bracket(
          compileProgram(p)(env),
          (program) =>
            pipe(
              runEpochs(p, program, env),
              TE.chain((progressed) =>
                pipe(
                  TE.tryCatch(() => program.read(), (e) => trainError.stepFailed(p.config.epochs, e)),
                  TE.map((state) => ({ ...progressed, params: state.params })),
                ),
              ),
            ),
          (program) => TE.fromIO(() => program.dispose()),
        ),
        TE.map(({ history, tensors, params }): TrainReport => {
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
            params,
            files: out === undefined ? undefined : { checkpoint: join(out, OUTPUT_FILES.checkpoint), log: join(out, OUTPUT_FILES.log), plot: join(out, OUTPUT_FILES.plot) },
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
