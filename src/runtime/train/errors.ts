/**
 * Typed failures of a training run. Each variant carries a readable `message`; the CLI prints it and
 * exits with 2 for `ConfigInvalid` (bad input) and 1 for everything else.
 */
import type { BackendError } from '../backends/types.js'
import type { DataError } from '../data/errors.js'
import type { ShapeError } from '../../dsl/shape.js'

/** One invalid configuration field: which, what was given, what is wanted. */
export interface ConfigIssue {
  readonly field: string
  readonly value: unknown
  readonly problem: string
}

/** Everything that can stop a training run. */
export type TrainError =
  | { readonly _tag: 'ConfigInvalid'; readonly issues: readonly ConfigIssue[]; readonly message: string }
  | { readonly _tag: 'Backend'; readonly error: BackendError; readonly message: string }
  | { readonly _tag: 'Data'; readonly error: DataError; readonly message: string }
  | { readonly _tag: 'ShapeMismatch'; readonly error: ShapeError; readonly message: string }
  | { readonly _tag: 'CompileFailed'; readonly cause: string; readonly message: string }
  | {
      readonly _tag: 'Diverged'
      /** 1-based epoch. */
      readonly epoch: number
      /** 1-based step within the epoch. */
      readonly step: number
      /** 1-based step counted over the whole run. */
      readonly globalStep: number
      readonly loss: number
      readonly message: string
    }
  | {
      readonly _tag: 'BadBatch'
      /** 1-based epoch and step within it, and the step counted over the whole run. */
      readonly epoch: number
      readonly step: number
      readonly globalStep: number
      readonly what: 'inputs' | 'targets'
      readonly count: number
      readonly message: string
    }
  | { readonly _tag: 'CheckpointUnreadable'; readonly file: string; readonly cause: string; readonly message: string }
  | {
      readonly _tag: 'CheckpointMismatch'
      readonly file: string
      readonly field: string
      readonly saved: unknown
      readonly requested: unknown
      readonly message: string
    }
  | { readonly _tag: 'WriteFailed'; readonly file: string; readonly cause: string; readonly message: string }
  | { readonly _tag: 'StepFailed'; readonly epoch: number; readonly cause: string; readonly message: string }

/**
 * The divergence rule: a step whose mean loss is NaN or infinite, or above DIVERGENCE_FACTOR times the
 * run's first step's mean loss (and above it by more than 1, so that tiny losses may wobble), stops the run.
 */
export const DIVERGENCE_FACTOR = 10

/** The tag names of {@link TrainError}. */
export type TrainErrorTag = TrainError['_tag']

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/**
 * Constructors that fill in `message`.
 * @example trainError.diverged(3, 17, 487, NaN).message // 'training diverged at epoch 3, step 17 (step 487 overall): loss NaN'
 */
export const trainError = {
  configInvalid: (issues: readonly ConfigIssue[]): TrainError => ({
    _tag: 'ConfigInvalid',
    issues,
    message: `invalid configuration:\n${issues.map((i) => `  --${i.field} ${JSON.stringify(i.value)}: ${i.problem}`).join('\n')}`,
  }),
  backend: (error: BackendError): TrainError => ({ _tag: 'Backend', error, message: error.message }),
  data: (error: DataError): TrainError => ({ _tag: 'Data', error, message: error.message }),
  shape: (error: ShapeError): TrainError => ({ _tag: 'ShapeMismatch', error, message: error.message }),
  compileFailed: (cause: unknown): TrainError => ({
    _tag: 'CompileFailed',
    cause: describe(cause),
    message: `cannot compile the training step: ${describe(cause)}`,
  }),
  diverged: (epoch: number, step: number, globalStep: number, loss: number, reference?: number): TrainError => ({
    _tag: 'Diverged',
    epoch,
    step,
    globalStep,
    loss,
    message: `training diverged at epoch ${epoch}, step ${step} (step ${globalStep} overall): loss ${loss}${reference === undefined ? '' : `, over ${DIVERGENCE_FACTOR}x the first step's ${reference.toPrecision(4)}`}; try a smaller --lr`,
  }),
  badBatch: (epoch: number, step: number, globalStep: number, what: 'inputs' | 'targets', count: number): TrainError => ({
    _tag: 'BadBatch',
    epoch,
    step,
    globalStep,
    what,
    count,
    // epoch 0: a batch of an evaluation, outside training
    message: `batch ${step}${epoch === 0 ? '' : ` of epoch ${epoch} (step ${globalStep} overall)`} has ${count} ${
      what === 'inputs' ? 'input values that are NaN or infinite (or token ids outside an embedding\'s vocabulary)' : 'targets the loss cannot use (labels outside the classes, or non-finite values)'
    }`,
  }),
  checkpointUnreadable: (file: string, cause: unknown): TrainError => ({
    _tag: 'CheckpointUnreadable',
    file,
    cause: describe(cause),
    message: `${file}: cannot resume from this checkpoint (${describe(cause)})`,
  }),
  checkpointMismatch: (file: string, field: string, saved: unknown, requested: unknown): TrainError => ({
    _tag: 'CheckpointMismatch',
    file,
    field,
    saved,
    requested,
    message: `${file}: saved with ${field} ${JSON.stringify(saved)} but this run asks for ${JSON.stringify(requested)}; use the same settings or another --out`,
  }),
  writeFailed: (file: string, cause: unknown): TrainError => ({
    _tag: 'WriteFailed',
    file,
    cause: describe(cause),
    message: `${file}: cannot write (${describe(cause)})`,
  }),
  stepFailed: (epoch: number, cause: unknown): TrainError => ({
    _tag: 'StepFailed',
    epoch,
    cause: describe(cause),
    message: `training step failed in epoch ${epoch}: ${describe(cause)}`,
  }),
} as const
