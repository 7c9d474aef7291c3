/** The per-epoch progress bar (cli-progress on stderr), or nothing when output is not a terminal. */
import cliProgress from 'cli-progress'

/** What the training loop reports while an epoch runs. */
export interface Progress {
  start(label: string, totalBatches: number): void
  tick(): void
  stop(): void
}

/** No output (tests, pipes, CI logs). */
export const noProgress: Progress = { start: () => undefined, tick: () => undefined, stop: () => undefined }

/**
 * A bar per epoch: `epoch 3/10 [=====-----] 120/235 batches | 2 s`. It redraws on a timer, so the loop yields to
 * the event loop between steps (see epoch.ts).
 */
export const barProgress = (stream: NodeJS.WriteStream = process.stderr): Progress => {
  let bar: cliProgress.SingleBar | undefined
  return {
    start: (label, total) => {
      bar = new cliProgress.SingleBar(
        { stream, format: `${label} [{bar}] {value}/{total} batches | {duration_formatted}`, clearOnComplete: true, hideCursor: true },
        cliProgress.Presets.legacy,
      )
      bar.start(total, 0)
    },
    tick: () => bar?.increment(),
    stop: () => {
      bar?.stop()
      bar = undefined
    },
  }
}
