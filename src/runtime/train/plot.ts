/**
 * d2l's Animator as a file: train loss, train acc and test acc per epoch, drawn by vega-lite and rendered
 * headless to SVG by vega (no browser, no canvas).
 */
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { TopLevelSpec } from 'vega-lite'
import { type FileOps, nodeFileOps, writeAtomic } from './atomicFile.js'
import { type TrainError, trainError } from './errors.js'
import type { EpochRecord } from './history.js'

/** The series names, as d2l's legend: `['train loss', 'train acc', 'test acc']`. */
export const SERIES = ['train loss', 'train acc', 'test acc'] as const

/** The vega-lite spec of the training curves (long format: one row per epoch and series). */
export const trainingSpec = (history: readonly EpochRecord[], epochs: number): TopLevelSpec => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  width: 420,
  height: 260,
  background: 'white',
  data: {
    // a series the run does not measure (a regression's accuracies) is left out
    values: history.flatMap((r) =>
      [
        { epoch: r.epoch, series: SERIES[0], value: r.loss },
        { epoch: r.epoch, series: SERIES[1], value: r.trainAcc },
        { epoch: r.epoch, series: SERIES[2], value: r.testAcc },
      ].filter((v) => v.value !== undefined),
    ),
  },
  mark: { type: 'line', point: true },
  encoding: {
    x: { field: 'epoch', type: 'quantitative', title: 'epoch', scale: { domain: [1, Math.max(2, epochs)] }, axis: { tickMinStep: 1 } },
    y: { field: 'value', type: 'quantitative', title: null },
    color: { field: 'series', type: 'nominal', sort: [...SERIES], title: null, legend: { orient: 'right' } },
  },
})

/**
 * Renders the curves to SVG text.
 * @example const svg = await trainingSvg(history, 10) // '<svg ...>...train loss...</svg>'
 */
export const trainingSvg = async (history: readonly EpochRecord[], epochs: number): Promise<string> => {
  // loaded on first use: vega is large, and a library user who writes no plot should not pay for it
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')])
  const compiled = vl.compile(trainingSpec(history, epochs)).spec
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/** Renders and writes the SVG atomically. */
export const writeTrainingSvg = (file: string, history: readonly EpochRecord[], epochs: number, ops: FileOps = nodeFileOps): TE.TaskEither<TrainError, void> =>
  pipe(
    TE.tryCatch(() => trainingSvg(history, epochs), (e) => trainError.writeFailed(file, e)),
    TE.chain((svg) => writeAtomic(file, svg, ops)),
  )
