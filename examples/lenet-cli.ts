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
import { BAD_INPUT, type TrainFlags, addTrainFlags, runTrainCommand } from '../src/cli/train-command.js'
import { MODEL_NAMES, type ModelName, RECIPES, lenetSetup } from './models.js'

const program = addTrainFlags(
  new Command('lenet').description('LeNet-5 on Fashion-MNIST (Dive into Deep Learning ch. 6.6)'),
  `the model's recipe, lenet sgd ${RECIPES.lenet.lr}, lenet-modern adam ${RECIPES['lenet-modern'].lr} decayed ${RECIPES['lenet-modern'].lrDecay} per epoch`,
)
  .option('--data-dir <dir>', 'directory with the four Fashion-MNIST IDX files (default: the bundled copy)')
  .addOption(new Option('--model <name>', 'model (default lenet)').choices([...MODEL_NAMES]))
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })

const main = async (): Promise<number> => {
  try {
    program.parse()
  } catch (e) {
    // commander already printed the problem (or the help/version text, which exits 0)
    return e instanceof CommanderError && e.exitCode === 0 ? 0 : BAD_INPUT
  }
  const { model = 'lenet', dataDir, ...flags } = program.opts<TrainFlags & { readonly model?: ModelName; readonly dataDir?: string }>()
  return runTrainCommand(lenetSetup(model, dataDir), flags, model, RECIPES[model], dataDir === undefined ? 60_000 : undefined)
}

// Exit explicitly: wasm worker threads would otherwise keep the process alive.
process.exit(await main())
