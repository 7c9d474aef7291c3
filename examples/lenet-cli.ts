/**
 * `npm run lenet -- --summary`: prints LeNet's per-layer output shapes for one 1x28x28 image, as d2l does.
 */
import { Command } from 'commander'
import * as E from 'fp-ts/lib/Either.js'
import { formatSummary } from '../src/runtime/report/summary.js'
import { lenet } from './lenet.js'

const program = new Command('lenet')
  .description('LeNet-5 on Fashion-MNIST (Dive into Deep Learning ch. 6.6)')
  .option('--summary', 'print the per-layer output shapes and parameter counts for input [1, 1, 28, 28]')
  .parse()

const opts = program.opts<{ summary?: boolean }>()
if (opts.summary) {
  const rows = lenet.summary([1, 1, 28, 28])
  if (E.isLeft(rows)) {
    console.error(rows.left.message)
    process.exit(1)
  }
  console.log(formatSummary(rows.right))
}
