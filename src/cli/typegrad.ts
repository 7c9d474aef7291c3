#!/usr/bin/env node
/**
 * The `typegrad` command (package.json `bin`).
 *
 *   typegrad train --model ./my-model.ts                       # bundled Fashion-MNIST, ./out
 *   typegrad train --model ./my-model.ts --data ./data/kmnist  # any directory of the four IDX files
 *   typegrad train --model ./my-model.ts --epochs 2 --limit 6000 --optimizer sgd --lr 0.1
 *   typegrad train --model ./my-model.ts --summary
 *
 * The model module's default export is the model (a `sequential` or `model(...)` value); it may also export
 * `loss` (default cross-entropy), `metrics`, and `recipe` ({ optimizer, lr, lrDecay }: the defaults of the
 * optimizer flags). TypeScript modules load through tsx. Exit codes: 0 done, 1 training failed, 2 bad input.
 * @example node dist/cli/typegrad.js --version // 0.1.0
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Command, CommanderError } from 'commander'
import { crossEntropy, type Loss, type Metric } from '../dsl/losses.js'
import type { AnyModel } from '../dsl/model.js'
import { type DataSource, fashionMnist, idxDirectory } from '../runtime/data/sources.js'
import type { Recipe } from '../runtime/train/config.js'
import { BAD_INPUT, type TrainFlags, addTrainFlags, runTrainCommand } from './train-command.js'

/** The package's own version; `../../package.json` is the package root from both src/cli and dist/cli. */
const packageVersion = (): string =>
  (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

/** What a model module may export. */
interface ModelModule {
  readonly default?: AnyModel
  readonly loss?: Loss
  readonly metrics?: readonly Metric[]
  readonly recipe?: Recipe
}

const isModel = (m: unknown): m is AnyModel => typeof m === 'function' && Array.isArray((m as { inputShape?: unknown }).inputShape) && typeof (m as { init?: unknown }).init === 'function'

/** Imports the user's module: TypeScript through tsx's loader, JavaScript as it is. */
const importModule = async (file: string): Promise<ModelModule> => {
  const url = pathToFileURL(resolve(file)).href
  // a global loader, not tsx's scoped `tsImport`: the module must share typegrad's own module instances
  // (one IR node table), which a scoped import would load a second time
  if (/\.[cm]?tsx?$/.test(file)) (await import('tsx/esm/api')).register()
  return (await import(url)) as ModelModule
}

const dataSource = (data: string): DataSource => (data === 'fashion-mnist' ? fashionMnist() : idxDirectory(data))

const trainCommand = (): Command =>
  addTrainFlags(new Command('train').description('train the model a module exports by default'), "the module's `recipe` export, else adam 0.001")
    .exitOverride()
    .requiredOption('--model <file>', 'a module whose default export is the model (.ts, .js, .mjs)')
    .option('--data <source>', "'fashion-mnist' (bundled) or a directory of the four IDX files (MNIST, KMNIST, ...)", 'fashion-mnist')
    .action(async (opts: TrainFlags & { readonly model: string; readonly data: string }) => {
      const { model: file, data, ...flags } = opts
      const loaded = await importModule(file).then(
        (m) => m,
        (e: unknown) => new Error(`cannot load ${file}: ${e instanceof Error ? e.message : String(e)}`),
      )
      if (loaded instanceof Error) {
        console.error(`error: ${loaded.message}`)
        process.exitCode = BAD_INPUT
        return
      }
      if (!isModel(loaded.default)) {
        console.error(`error: ${file} has no model as its default export (export default sequential(...) or model(...))`)
        process.exitCode = BAD_INPUT
        return
      }
      const setup = { model: loaded.default, loss: loaded.loss ?? crossEntropy, metrics: loaded.metrics ?? [], data: dataSource(data) }
      process.exitCode = await runTrainCommand(setup, flags, file, loaded.recipe, data === 'fashion-mnist' ? 60_000 : undefined)
    })

const program = new Command()
  .name('typegrad')
  .description('typegrad: a functional TypeScript tensor DSL with shapes in the type system')
  .version(packageVersion())
  .addCommand(trainCommand())
  .exitOverride()

try {
  await program.parseAsync()
} catch (e) {
  process.exitCode = e instanceof CommanderError && e.exitCode === 0 ? 0 : BAD_INPUT
}
// Exit explicitly: wasm worker threads would otherwise keep the process alive.
process.exit()
