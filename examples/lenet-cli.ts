/**
 * `npm run lenet -- [options]`: trains LeNet on Fashion-MNIST as Dive into Deep Learning ch. 6.6 does
 * (defaults: the seed's recipe, 10 epochs, SGD lr 0.9, batch 256), or prints the model summary with --summary.
 *
 *   npm run lenet -- --epochs 10 --lr 0.9 --batch-size 256 --backend auto --seed 0 --model lenet --out ./out
 *   npm run lenet -- --model lenet-modern            # Adam, ReLU, max-pool, BatchNorm
 *   npm run lenet -- --epochs 1 --limit 6000         # a quick run on 6000 examples
 *   npm run lenet -- --resume                        # continue from ./out/checkpoint.json
 *
 * Exit codes: 0 done, 1 training failed (data, backend, divergence, files), 2 bad command-line input.
 */
import { Command, CommanderError, Option } from 'commander'
import * as E from 'fp-ts/lib/Either.js'
import { models } from '../src/dsl/models.js'
import { BACKEND_NAMES } from '../src/runtime/backends/types.js'
import { formatSummary } from '../src/runtime/report/summary.js'
import { DEFAULTS, MODEL_NAMES, OPTIMIZER_NAMES, RECIPES, type RawConfig, barProgress, defaultEnv, noProgress, train, validateConfig } from '../src/runtime/train/index.js'
import { compileTraining } from '../src/compile/train.js'

const BAD_INPUT = 2

const program = new Command('lenet')
  .description('LeNet-5 on Fashion-MNIST (Dive into Deep Learning ch. 6.6)')
  .option('--epochs <n>', `training epochs (default ${DEFAULTS.epochs})`)
  .option('--lr <rate>', `learning rate (default: the model's recipe, lenet ${RECIPES.lenet.lr}, lenet-modern ${RECIPES['lenet-modern'].lr})`)
  .option('--lr-decay <factor>', `multiply the learning rate by this factor per epoch, decayed smoothly per step (default: the model's recipe, lenet ${RECIPES.lenet.lrDecay}, lenet-modern ${RECIPES['lenet-modern'].lrDecay})`)
  .option('--batch-size <n>', `examples per step (default ${DEFAULTS.batchSize})`)
  .addOption(new Option('--backend <name>', `compute backend (default ${DEFAULTS.backend})`).choices(['auto', ...BACKEND_NAMES]))
  .option('--seed <n>', `seed of parameter init and batch order (default ${DEFAULTS.seed})`)
  .option('--data-dir <dir>', 'directory with the four Fashion-MNIST IDX files (default: the bundled copy)')
  .addOption(new Option('--model <name>', 'model (default lenet)').choices([...MODEL_NAMES]))
  .addOption(new Option('--optimizer <name>', "optimizer (default: the model's recipe, lenet sgd, lenet-modern adam)").choices([...OPTIMIZER_NAMES]))
  .option('--limit <n>', 'train on the first n training examples only')
  .option('--out <dir>', `output directory: checkpoint.json, log.jsonl, training.svg (default ${DEFAULTS.out})`)
  .option('--resume', 'continue from <out>/checkpoint.json')
  .option('--check-every <n>', 'read losses for the NaN check every n steps (default 0: once per epoch)')
  .option('--summary', 'print the per-layer output shapes and parameter counts for input [1, 1, 28, 28] and exit')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })

interface Flags {
  readonly epochs?: string
  readonly lr?: string
  readonly lrDecay?: string
  readonly batchSize?: string
  readonly backend?: string
  readonly seed?: string
  readonly dataDir?: string
  readonly model?: string
  readonly optimizer?: string
  readonly limit?: string
  readonly out?: string
  readonly resume?: boolean
  readonly checkEvery?: string
  readonly summary?: boolean
}

const main = async (): Promise<number> => {
  try {
    program.parse()
  } catch (e) {
    // commander already printed the problem (or the help/version text, which exits 0)
    return e instanceof CommanderError && e.exitCode === 0 ? 0 : BAD_INPUT
  }
  const { summary, ...flags } = program.opts<Flags>()
  const raw: RawConfig = { ...flags }
  const config = validateConfig(raw)
  if (E.isLeft(config)) {
    console.error(config.left.message)
    return BAD_INPUT
  }
  if (summary) {
    const rows = models[config.right.model].summary([1, 1, 28, 28])
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
  const result = await train(raw)(env)()
  if (E.isLeft(result)) {
    console.error(`error: ${result.left.message}`)
    return result.left._tag === 'ConfigInvalid' ? BAD_INPUT : 1
  }
  console.log(`wrote ${result.right.files.checkpoint}, ${result.right.files.log}, ${result.right.files.plot}`)
  return 0
}

// Exit explicitly: wasm worker threads would otherwise keep the process alive.
process.exit(await main())
