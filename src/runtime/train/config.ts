/**
 * The training configuration and its validation. Input comes from the CLI (strings) or from code (numbers);
 * `validateConfig` checks every field and reports ALL invalid ones at once, each naming the field, the value
 * and what is wanted.
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { type BackendChoice, BACKEND_NAMES, isBackendChoice } from '../backends/types.js'
import { type ConfigIssue, type TrainError, trainError } from './errors.js'

/** The optimizers `--optimizer` accepts. */
export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'adam'] as const
export type OptimizerChoice = (typeof OPTIMIZER_NAMES)[number]

/** A validated training configuration. */
export interface TrainConfig {
  /** The model's name (what a checkpoint was made from; a resumed run must name the same). */
  readonly model: string
  readonly optimizer: OptimizerChoice
  readonly epochs: number
  readonly lr: number
  /** The learning rate is multiplied by this factor per epoch (exponential decay per step); 1: constant. */
  readonly lrDecay: number
  readonly batchSize: number
  readonly backend: BackendChoice
  /** Seeds parameter init (`key(seed)`) and the per-epoch batch order (`epochOrder(n, seed, epoch)`). */
  readonly seed: number
  /** Train on the first `limit` training examples only (the cached data is class-interleaved, so prefixes are balanced). */
  readonly limit: number | undefined
  /** Output folder: checkpoint.json, log.jsonl, training.svg; absent: nothing is written. */
  readonly out: string | undefined
  readonly resume: boolean
  /** Read the losses for the NaN check every this many steps (one host sync each); 0: once per epoch. */
  readonly checkEvery: number
}

/** Unvalidated input: any subset of the fields, as strings (CLI) or typed values (code). */
export type RawConfig = { readonly [K in keyof TrainConfig]?: unknown }

/** A model's default optimizer, learning rate and per-epoch decay (a CLI's `--optimizer`, `--lr`, `--lr-decay`). */
export interface Recipe {
  readonly optimizer: OptimizerChoice
  readonly lr: number
  readonly lrDecay: number
}

/** The recipe of a model that names none: Adam at Keras's and PyTorch's usual 1e-3, constant. */
export const DEFAULT_RECIPE: Recipe = { optimizer: 'adam', lr: 0.001, lrDecay: 1 }

/** Defaults that do not depend on the model. */
export const DEFAULTS = { model: 'model', epochs: 10, batchSize: 256, backend: 'auto', seed: 0, resume: false, checkEvery: 0 } as const

type Check<A> = (v: unknown) => E.Either<string, A>

const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check<number> =>
  (v) => {
    const n = typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : v
    if (typeof n !== 'number' || !Number.isInteger(n)) return E.left('must be an integer')
    if (n < min || n > max) return E.left(max === Number.MAX_SAFE_INTEGER ? `must be >= ${min}` : `must be in ${min}..${max}`)
    return E.right(n)
  }

const positive: Check<number> = (v) => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v
  if (typeof n !== 'number' || Number.isNaN(n)) return E.left('must be a number')
  if (!Number.isFinite(n) || n <= 0) return E.left('must be a finite number > 0')
  return E.right(n)
}

const fraction: Check<number> = (v) =>
  pipe(
    positive(v),
    E.filterOrElse((n) => n <= 1, () => 'must be in (0, 1]'),
  )

const oneOf =
  <T extends string>(names: readonly T[]): Check<T> =>
  (v) =>
    typeof v === 'string' && (names as readonly string[]).includes(v) ? E.right(v as T) : E.left(`must be one of ${names.join(', ')}`)

const path: Check<string> = (v) => (typeof v === 'string' && v.trim() !== '' ? E.right(v) : E.left('must be a non-empty path'))
const name: Check<string> = (v) => (typeof v === 'string' && v.trim() !== '' ? E.right(v) : E.left('must be a non-empty name'))
const bool: Check<boolean> = (v) =>
  typeof v === 'boolean' ? E.right(v) : v === 'true' || v === 'false' ? E.right(v === 'true') : E.left('must be true or false')
const backend: Check<BackendChoice> = (v) =>
  typeof v === 'string' && isBackendChoice(v) ? E.right(v) : E.left(`must be one of auto, ${BACKEND_NAMES.join(', ')}`)

/** The CLI spelling of a field (batchSize -> batch-size), used in messages. */
export const flagName = (field: string): string => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/**
 * Validates raw input into a {@link TrainConfig}, filling defaults (optimizer, lr and decay from `recipe`).
 * Unknown fields are errors too (a typo must not be ignored).
 *
 * @example
 * validateConfig({ epochs: '0', lr: 'fast' })
 * // Left(ConfigInvalid: --epochs "0": must be >= 1; --lr "fast": must be a number)
 */
export const validateConfig = (raw: RawConfig, recipe: Recipe = DEFAULT_RECIPE): E.Either<TrainError, TrainConfig> => {
  const issues: ConfigIssue[] = []
  const field = <A>(name: keyof TrainConfig, check: Check<A>, fallback: A): A => {
    const v = raw[name]
    if (v === undefined) return fallback
    const r = check(v)
    if (E.isLeft(r)) {
      issues.push({ field: flagName(name), value: v, problem: r.left })
      return fallback
    }
    return r.right
  }
  const optional = <A>(name: keyof TrainConfig, check: Check<A>): A | undefined => field<A | undefined>(name, check, undefined)
  const known = new Set<string>(['model', 'optimizer', 'epochs', 'lr', 'lrDecay', 'batchSize', 'backend', 'seed', 'limit', 'out', 'resume', 'checkEvery'])
  for (const k of Object.keys(raw)) {
    if (!known.has(k) && raw[k as keyof TrainConfig] !== undefined) issues.push({ field: flagName(k), value: raw[k as keyof TrainConfig], problem: 'unknown option' })
  }
  const config: TrainConfig = {
    model: field('model', name, DEFAULTS.model),
    optimizer: field('optimizer', oneOf(OPTIMIZER_NAMES), recipe.optimizer),
    epochs: field('epochs', int(1), DEFAULTS.epochs),
    lr: field('lr', positive, recipe.lr),
    lrDecay: field('lrDecay', fraction, recipe.lrDecay),
    batchSize: field('batchSize', int(1), DEFAULTS.batchSize),
    backend: field('backend', backend, DEFAULTS.backend),
    seed: field('seed', int(0, 2 ** 32 - 1), DEFAULTS.seed),
    limit: optional('limit', int(1)),
    out: optional('out', path),
    resume: field('resume', bool, DEFAULTS.resume),
    checkEvery: field('checkEvery', int(0), DEFAULTS.checkEvery),
  }
  if (config.resume && config.out === undefined) issues.push({ field: 'resume', value: true, problem: 'needs --out, the directory of the checkpoint to resume from' })
  return issues.length > 0 ? E.left(trainError.configInvalid(issues)) : E.right(config)
}
