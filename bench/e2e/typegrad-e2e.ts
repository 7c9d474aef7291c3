/**
 * The typegrad side of the end-to-end benchmark, run in a child process by bench/index.ts.
 *
 *   npx tsx bench/e2e/typegrad-e2e.ts --epochs 1 [--threads 2] [--batch 256]
 *     trains the seed's LeNet recipe (examples/models.ts: sigmoid, avg-pool, xavier, SGD lr 0.9) on the
 *     bundled Fashion-MNIST through the library's training pipeline, the path `npm run lenet` takes
 *     (data source, seeded shuffling, batching, per-step device metrics read once per epoch, test
 *     evaluation each epoch), on wasm, writing no files; prints one JSON line (see E2eResult).
 *   npx tsx bench/e2e/typegrad-e2e.ts --export <dir>
 *     writes the examples that pipeline trains and tests on (after its filtering of invalid records) as
 *     train-x.npy [n, 1, 28, 28] uint8, train-y.npy [n] uint8, test-x.npy, test-y.npy, so PyTorch reads the same data.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { compileTraining } from '../../src/compile/train.js'
import { selectBackend } from '../../src/runtime/backends/select.js'
import type { Examples } from '../../src/runtime/data/examples.js'
import { defaultEnv, train } from '../../src/runtime/train/index.js'
import type { CompileTraining } from '../../src/runtime/train/contract.js'
import { RECIPES, lenetSetup } from '../../examples/models.js'
import { intArg, stringArg } from '../args.js'
import { encodeNpy } from './npy.js'

/** What one run prints (seconds, not ms: these are epochs). */
export interface E2eResult {
  readonly epochs: number
  readonly train_examples: number
  /** Sum of the pipeline's per-epoch training time: batching, shuffling, steps, the epoch's metric read. */
  readonly train_seconds: number
  readonly examples_per_sec: number
  /** Not in train_seconds: loading the data, compiling the step, evaluating the test split. */
  readonly load_seconds: number
  readonly compile_ms: number
  readonly wall_seconds: number
  readonly loss: number
  readonly train_acc: number
  readonly test_acc: number
  readonly device: string
  /** The process's peak resident set (process.resourceUsage().maxRSS), MiB. */
  readonly peak_rss_mb: number
}

const argv = process.argv.slice(2)
const peakRssMb = (): number => Number((process.resourceUsage().maxRSS / 1024).toFixed(1))

const bytesOf = (ex: Examples, what: string): { x: Uint8Array; y: Uint8Array } => {
  if (!(ex.x instanceof Uint8Array) || !(ex.y instanceof Uint8Array)) throw new Error(`${what}: expected grey-level bytes and byte labels`)
  return { x: ex.x, y: ex.y }
}

const exportData = async (dir: string): Promise<number> => {
  const loaded = await lenetSetup('lenet').data.load()()
  if (E.isLeft(loaded)) throw new Error(loaded.left.message)
  const { train: tr, test: te, skipped, source } = loaded.right
  if (te === undefined) throw new Error('the data source has no test split')
  mkdirSync(dir, { recursive: true })
  for (const [name, ex] of [['train', tr], ['test', te]] as const) {
    const { x, y } = bytesOf(ex, name)
    writeFileSync(join(dir, `${name}-x.npy`), encodeNpy(x, [ex.n, ...ex.shape]))
    writeFileSync(join(dir, `${name}-y.npy`), encodeNpy(y, [ex.n]))
  }
  console.log(JSON.stringify({ source, train: tr.n, test: te.n, skipped: skipped.length }))
  return 0
}

const trainRun = async (): Promise<number> => {
  const epochs = intArg(argv, 'epochs', 1)
  const threads = intArg(argv, 'threads', 2)
  let loadSeconds = 0
  let compileMs = 0
  const base = defaultEnv(compileTraining)
  const compile: CompileTraining = (spec, opts) => {
    const t0 = performance.now()
    const program = compileTraining(spec, opts)
    compileMs = performance.now() - t0
    return program
  }
  const env = {
    ...base,
    compile,
    selectBackend: (choice: Parameters<typeof selectBackend>[0]) => selectBackend(choice, { threads }),
    loadData: (source: Parameters<typeof base.loadData>[0]) => async () => {
      const t0 = performance.now()
      const r = await base.loadData(source)()
      loadSeconds = (performance.now() - t0) / 1000
      return r
    },
  }
  const t0 = performance.now()
  const r = await train(lenetSetup('lenet'), { model: 'lenet', epochs, batchSize: intArg(argv, 'batch', 256), backend: 'wasm', seed: 0 }, RECIPES.lenet)(env)()
  const wall = (performance.now() - t0) / 1000
  if (E.isLeft(r)) throw new Error(r.left.message)
  const { history, final, trainExamples, device } = r.right
  const trainSeconds = history.reduce((a, h) => a + h.seconds, 0)
  const result: E2eResult = {
    epochs,
    train_examples: trainExamples,
    train_seconds: Number(trainSeconds.toFixed(3)),
    examples_per_sec: Math.round((trainExamples * epochs) / trainSeconds),
    load_seconds: Number(loadSeconds.toFixed(3)),
    compile_ms: Number(compileMs.toFixed(1)),
    wall_seconds: Number(wall.toFixed(3)),
    loss: Number(final!.loss.toFixed(4)),
    train_acc: Number((final!.trainAcc ?? NaN).toFixed(4)),
    test_acc: Number((final!.testAcc ?? NaN).toFixed(4)),
    device,
    peak_rss_mb: peakRssMb(),
  }
  console.log(JSON.stringify(result))
  return 0
}

const dir = stringArg(argv, 'export')
// Exit explicitly: wasm worker threads would otherwise keep the process alive.
process.exit(await (dir !== undefined ? exportData(dir) : trainRun()))
