/**
 * The IR node: one immutable, hash-consed value per distinct (op, inputs, attrs).
 * Building a node runs its shape rule, so a shape mismatch raises `ShapeError` before anything executes,
 * and structurally equal subtrees are the same object (common subexpressions are shared for free).
 */
import type { DType, Op, OpAttrs } from './ops.js'
import { type RShape, ShapeError } from './shape.js'
import { inferNode } from './rules.js'

/** An IR node. `inputs` are nodes; `attrs` are plain JSON-able data. */
export interface Node<O extends Op = Op> {
  /** Unique per distinct node; increases with creation, so inputs always have smaller ids. */
  readonly id: number
  readonly op: O
  readonly inputs: readonly Node[]
  readonly attrs: OpAttrs[O]
  readonly shape: RShape
  readonly dtype: DType
}

const table = new Map<string, Node>()
let nextId = 0

/** Deterministic JSON (sorted keys) so equal attrs give equal keys. */
const stable = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(stable).join(',')}]`
    : v !== null && typeof v === 'object'
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${k}:${stable((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : JSON.stringify(v)

/**
 * Makes (or finds) the node `op(inputs; attrs)`. Throws `ShapeError` when the shape rule rejects it.
 * `shape` is required only for leaves (input, param, fill), whose shape is not inferred.
 *
 * @example
 * const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 3])
 * mk('sigmoid', [x], {}).shape // ['N', 3]
 */
export const mk = <O extends Op>(op: O, inputs: readonly Node[], attrs: OpAttrs[O], shape?: RShape, dtype?: DType): Node<O> => {
  const key = `${op}(${inputs.map((i) => i.id).join(',')})${stable(attrs)}${shape ? stable(shape) : ''}${dtype ?? ''}`
  const hit = table.get(key)
  if (hit) return hit as Node<O>
  const inferred = inferNode(op, inputs, attrs, shape, dtype)
  if (inferred._tag === 'Left') throw inferred.left
  const node: Node<O> = Object.freeze({
    id: nextId++,
    op,
    inputs: Object.freeze([...inputs]),
    attrs: Object.freeze(attrs) as OpAttrs[O],
    shape: Object.freeze([...inferred.right.shape]),
    dtype: inferred.right.dtype,
  })
  table.set(key, node)
  return node
}

/** Whether a value is a ShapeError raised by `mk`. */
export const isShapeError = (e: unknown): e is ShapeError => e instanceof ShapeError

/** All nodes reachable from `roots`, inputs before users (topological order, by id). */
export const topo = (roots: readonly Node[]): Node[] => {
  const seen = new Map<number, Node>()
  const stack = [...roots]
  while (stack.length > 0) {
    const n = stack.pop()!
    if (seen.has(n.id)) continue
    seen.set(n.id, n)
    stack.push(...n.inputs)
  }
  return [...seen.values()].sort((a, b) => a.id - b.id)
}

/** Type guard narrowing a node to one op. */
export const isOp = <O extends Op>(n: Node, op: O): n is Node<O> => n.op === op
