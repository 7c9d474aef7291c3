/**
 * The training command line shared by `typegrad train` and `npm run lenet`: the flags, their checks
 * before any work, the run with d2l's report lines, and the exit codes (0 done, 1 training failed,
 * 2 bad command-line input).
 */
import { Option, type Command } from 'commander'
import * as E from 'fp-ts/lib/Either.js'
import { compileTraining } from '../compile/train.js'
import { type AnyModel, paramSlots } from '../dsl/model.js'
import { BACKEND_NAMES } from '../runtime/backends/types.js'
import { formatSummary } from '../runtime/report/summary.js'
import { type RawConfig, type Recipe, OPTIMIZER_NAMES, barProgress, defaultEnv, noProgress, train, validateConfig } from '../runtime/train/index.js'
import type { TrainSetup } from '../runtime/train/model.js'
import type { SummaryRow } from '../dsl/sequential.js'
import type { RShape, ShapeError } from '../dsl/shape.js'

/** What the summary flag needs of a sequential model: its layers' output shapes. */
interface SequentialSummary {
  summary(shape?: RShape): E.Either<ShapeError, readonly SummaryRow[]>
}

/** Exit code of bad command-line input (commander's own errors and invalid values). */
export const BAD_INPUT = 2

/** The flags `npm run lenet` and `typegrad train` share (values are strings; `validateConfig` checks them). */
export interface TrainFlags {
  readonly epochs?: string
  readonly lr?: string
  readonly lrDecay?: string
  readonly batchSize?: string
  readonly backend?: string
  readonly seed?: string
  readonly optimizer?: string
  readonly limit?: string
  readonly out?: string
  readonly resume?: boolean
  readonly checkEvery?: string
  readonly summary?: boolean
}

/** The default output directory of the command line (the library writes nothing unless asked). */
export const DEFAULT_OUT = './out'

/**
 * Adds the shared training flags to `cmd`; `recipe` is described in the help texts.
 * @example addTrainFlags(new Command('train'), 'the model module\'s recipe, else adam 0.001')
 */
export const addTrainFlags = (cmd: Command, recipeHelp: string): Command =>
  cmd
    .option('--epochs <n>', 'training epochs (default 10)')
    .option('--lr <rate>', `learning rate (default: ${recipeHelp})`)
    .option('--lr-decay <factor>', 'multiply the learning rate by this factor per epoch, decayed smoothly per step')
    .option('--batch-size <n>', 'examples per step (default 256)')
    .addOption(new Option('--backend <name>', 'compute backend (default auto)').choices(['auto', ...BACKEND_NAMES]))
    .option('--seed <n>', 'seed of parameter init, batch order and dropout (default 0)')
    .addOption(new Option('--optimizer <name>', `optimizer (default: ${recipeHelp})`).choices([...OPTIMIZER_NAMES]))
    .option('--limit <n>', 'train on the first n training examples only')
    .option('--out <dir>', `output directory: checkpoint.json, log.jsonl, training.svg (default ${DEFAULT_OUT})`)
    .option('--resume', 'continue from <out>/checkpoint.json')
    .option('--check-every <n>', 'read losses for the NaN check every n steps (default 0: once per epoch)')
    .option('--summary', 'print the per-layer output shapes and parameter counts and exit')

/** The run's raw config from the flags and the model's name. */
export const rawConfig = (flags: TrainFlags, model: string): RawConfig => {
  const { summary: _, ...rest } = flags
  return { ...rest, model, out: flags.out ?? DEFAULT_OUT }
}

/**
 * `--limit` against a data source's known size, checked before anything is loaded.
 * @example limitIssue('70000', 60000) // '--limit "70000": exceeds the 60000 training examples'
 */
export const limitIssue = (limit: string | undefined, known: number | undefined): string | undefined =>
  limit !== undefined && known !== undefined && Number(limit) > known ? `invalid configuration:\n  --limit ${JSON.stringify(limit)}: exceeds the ${known} training examples` : undefined

/** A model's parameter table (sequential models print their per-layer shapes instead). */
const paramTable = (m: AnyModel): string => {
  const slots = paramSlots(m).filter((s) => s.trainable)
  const rows = slots.map((s) => `${s.name.padEnd(Math.max(...slots.map((t) => t.name.length)) + 2)}[${s.shape.join(', ')}]`)
  const total = slots.reduce((a, s) => a + s.shape.reduce((x, d) => x * d, 1), 0)
  return [...rows, `Total params: ${total.toLocaleString('en-US')}`].join('\n')
}

/**
 * Validates the flags, then prints the summary or trains `setup` with d2l's report lines; returns the exit code.
 * @example process.exit(await runTrainCommand(setup, flags, 'lenet', RECIPES.lenet))
 */
export const runTrainCommand = async (setup: TrainSetup, flags: TrainFlags, name: string, recipe?: Recipe, knownTrainSize?: number): Promise<number> => {
  const raw = rawConfig(flags, name)
  const config = validateConfig(raw, recipe)
  if (E.isLeft(config)) {
    console.error(config.left.message)
    return BAD_INPUT
  }
  const tooMany = limitIssue(flags.limit, knownTrainSize)
  if (tooMany !== undefined) {
    console.error(tooMany)
    return BAD_INPUT
  }
  if (flags.summary) {
    const example = setup.model.inputShape.slice(1)
    const seq = setup.model as Partial<SequentialSummary>
    if (seq.summary === undefined) {
      console.log(paramTable(setup.model))
      return 0
    }
    const rows = seq.summary([1, ...example])
    if (E.isLeft(rows)) {
      console.error(rows.left.message)
      return 1
    }
    console.log(formatSummary(rows.right))
    return 0
  }
  const env = defaultEnv(compileTraining, {
    log: (line) => console.log(line),
    progress: process.stderr.isTTY ? barProgress(process.stderr) : noProgress,
  })
  const result = await train(setup, raw, recipe)(env)()
  if (E.isLeft(result)) {
    console.error(`error: ${result.left.message}`)
    return result.left._tag === 'ConfigInvalid' ? BAD_INPUT : 1
  }
  const files = result.right.files
  if (files !== undefined) console.log(result.right.resumedFrom >= config.right.epochs ? `nothing to train: ${files.checkpoint} already holds ${result.right.resumedFrom} epochs` : `wrote ${files.checkpoint}, ${files.log}, ${files.plot}`)
  return 0
}
