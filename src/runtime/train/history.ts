/** One epoch's results, as kept in the checkpoint, logged as a JSON line and plotted. */

/**
 * What one epoch measured (losses, accuracies and metrics are means over the examples seen). Accuracies
 * are there for classifiers (a loss that counts correct examples); a loss without them reports the test
 * split's loss instead.
 */
export interface EpochRecord {
  /** 1-based. */
  readonly epoch: number
  readonly loss: number
  readonly trainAcc?: number
  readonly testAcc?: number
  readonly testLoss?: number
  /** User metrics by name; the test split's as 'test <name>'. */
  readonly metrics?: Readonly<Record<string, number>>
  /** Training examples seen this epoch. */
  readonly examples: number
  /** Wall time of the epoch's training steps (test evaluation excluded, as d2l's timer). */
  readonly seconds: number
}

/**
 * d2l's per-epoch line.
 * @example formatEpoch({ epoch: 3, loss: 0.9123, trainAcc: 0.65, testAcc: 0.641, ... }) // 'epoch 3: loss 0.912, train acc 0.650, test acc 0.641'
 */
export const formatEpoch = (r: EpochRecord): string => `epoch ${r.epoch}: ${formatFinal(r)}`

/**
 * d2l's closing line of results.
 * @example formatFinal(last) // 'loss 0.469, train acc 0.823, test acc 0.779'
 */
export const formatFinal = (r: EpochRecord): string =>
  [
    `loss ${r.loss.toFixed(3)}`,
    ...(r.trainAcc === undefined ? [] : [`train acc ${r.trainAcc.toFixed(3)}`]),
    ...(r.testAcc === undefined ? [] : [`test acc ${r.testAcc.toFixed(3)}`]),
    ...(r.testLoss === undefined ? [] : [`test loss ${r.testLoss.toFixed(3)}`]),
    ...Object.entries(r.metrics ?? {}).map(([k, v]) => `${k} ${v.toFixed(3)}`),
  ].join(', ')

/**
 * Training throughput over all epochs (d2l: `metric[2] * num_epochs / timer.sum()`).
 * @example examplesPerSec([{ examples: 60000, seconds: 10, ... }]) // 6000
 */
export const examplesPerSec = (history: readonly EpochRecord[]): number => {
  const examples = history.reduce((a, r) => a + r.examples, 0)
  const seconds = history.reduce((a, r) => a + r.seconds, 0)
  return seconds > 0 ? examples / seconds : 0
}

/**
 * d2l's throughput line.
 * @example formatThroughput(55296.62, 'cuda:0') // '55296.6 examples/sec on cuda:0'
 */
export const formatThroughput = (perSec: number, device: string): string => `${perSec.toFixed(1)} examples/sec on ${device}`

/** The JSON-lines log: one object per epoch. */
export const toJsonLines = (history: readonly EpochRecord[]): string => history.map((r) => JSON.stringify(r)).join('\n') + (history.length > 0 ? '\n' : '')
