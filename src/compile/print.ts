/**
 * A jaxpr-like text form of IR graphs (forward or gradient), for traces, tests and debugging:
 *
 *   { lambda ; x:f32[N,1,28,28] 0.weight:f32[6,1,5,5] 0.bias:f32[6] . let
 *       a:f32[N,6,28,28] = conv2d[strides=(1,1) pad=(2,2,2,2) layout=NCHW] x 0.weight
 *       b:f32[1,6,1,1] = reshape[shape=(1,6,1,1)] 0.bias
 *       c:f32[N,6,28,28] = add a b
 *     in (c) }
 *
 * Leaves are named by their own names (inputs first, then params); every other node gets a short name
 * (a, b, ..., z, ba, ...) in topological order. Scalar fills are printed inline as literals (`1.0`).
 * Attrs print in the order they were built, leaving out false flags and unit dilations.
 */
import { type Node, topo } from '../dsl/node.js'
import type { DType } from '../dsl/ops.js'

/** Printer options. */
export interface PrintOptions {
  /** Labels for the outputs, printed as `label=var` in the `in (...)` list (e.g. ['loss', 'd0.weight']). */
  readonly labels?: readonly string[]
}

const dtypeName = (d: DType): string => (d === 'float32' ? 'f32' : 'i32')

/** `f32[N,6,28,28]`: a node's type as printed. */
export const showType = (n: Pick<Node, 'dtype' | 'shape'>): string => `${dtypeName(n.dtype)}[${n.shape.join(',')}]`

/** Short names in jaxpr's order: a..z, ba..bz, ca.. (skipping names already taken by leaves). */
const shortName = (i: number): string => {
  let s = ''
  let k = i
  do {
    s = String.fromCharCode(97 + (k % 26)) + s
    k = Math.floor(k / 26)
  } while (k > 0)
  return s
}

const showNumber = (v: number): string => (Number.isInteger(v) ? `${v}.0` : String(v))

const showValue = (v: unknown): string => (Array.isArray(v) ? `(${v.map(showValue).join(',')})` : String(v))

/** Attributes worth printing: false flags and unit dilations are left out to keep lines short. */
const showAttrs = (n: Node): string => {
  const entries = Object.entries(n.attrs as Record<string, unknown>).filter(
    ([k, v]) => v !== false && !(k === 'dilations' && Array.isArray(v) && v.every((d) => d === 1)),
  )
  return entries.length === 0 ? '' : `[${entries.map(([k, v]) => `${k}=${showValue(v)}`).join(' ')}]`
}

const isInlineLiteral = (n: Node): boolean => n.op === 'fill' && n.shape.length === 0

/**
 * Prints the graph computing `roots`, one equation per line.
 *
 * @example
 * printGraph([lenet(input('x', ['N', 1, 28, 28])).node])
 * // '{ lambda ; x:f32[N,1,28,28] 0.weight:f32[6,1,5,5] ... . let\n    a:f32[N,6,28,28] = conv2d[...] x 0.weight\n ...'
 */
export const printGraph = (roots: readonly Node[], options: PrintOptions = {}): string => {
  const nodes = topo(roots)
  const names = new Map<number, string>()
  const leafName = (n: Node): string | undefined =>
    n.op === 'input' || n.op === 'param' ? (n.attrs as { name: string }).name : undefined
  const leaves = [...nodes.filter((n) => n.op === 'input'), ...nodes.filter((n) => n.op === 'param')]
  for (const l of leaves) names.set(l.id, leafName(l)!)
  const taken = new Set(names.values())
  let counter = 0
  const fresh = (): string => {
    let s = shortName(counter++)
    while (taken.has(s)) s = shortName(counter++)
    return s
  }
  const ref = (n: Node): string => (isInlineLiteral(n) ? showNumber((n.attrs as { value: number }).value) : names.get(n.id)!)
  const lines: string[] = []
  for (const n of nodes) {
    if (names.has(n.id) || isInlineLiteral(n)) continue
    const v = fresh()
    names.set(n.id, v)
    const args = n.inputs.map(ref).join(' ')
    lines.push(`    ${v}:${showType(n)} = ${n.op}${showAttrs(n)}${args ? ` ${args}` : ''}`)
  }
  const outs = roots.map((r, i) => (options.labels?.[i] ? `${options.labels[i]}=${ref(r)}` : ref(r))).join(', ')
  const binders = leaves.map((l) => `${names.get(l.id)}:${showType(l)}`).join(' ')
  return `{ lambda ; ${binders} . let\n${lines.join('\n')}${lines.length ? '\n' : ''}  in (${outs}) }`
}

/** Number of nodes of each op in the graph of `roots`, e.g. `{ conv2d: 2, transpose: 1 }` (handy in tests). */
export const opCounts = (roots: readonly Node[]): Readonly<Record<string, number>> => {
  const counts: Record<string, number> = {}
  for (const n of topo(roots)) counts[n.op] = (counts[n.op] ?? 0) + 1
  return counts
}
