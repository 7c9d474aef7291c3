/** The per-layer shape table that d2l prints for LeNet, plus parameter counts. */
import type { SummaryRow } from '../../dsl/sequential.js'

const fmt = (n: number): string => n.toLocaleString('en-US')

/**
 * Formats summary rows like d2l's `X output shape: torch.Size([...])` loop, with a parameter column
 * and the total.
 *
 * @example
 * formatSummary(rows)
 * // Conv2d output shape:      [1, 6, 28, 28]      params: 156
 * // ...
 * // Total params: 61,706
 */
export const formatSummary = (rows: readonly SummaryRow[]): string => {
  const left = rows.map((r) => `${r.kind} output shape:`)
  const shapes = rows.map((r) => `[${r.outShape.join(', ')}]`)
  const w1 = Math.max(...left.map((s) => s.length)) + 2
  const w2 = Math.max(...shapes.map((s) => s.length)) + 2
  const lines = rows.map((r, i) => `${left[i]!.padEnd(w1)}${shapes[i]!.padEnd(w2)}params: ${fmt(r.params)}`)
  const total = rows.reduce((a, r) => a + r.params, 0)
  return [...lines, `Total params: ${fmt(total)}`].join('\n')
}
