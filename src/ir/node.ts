/**
 * The IR node: one immutable, hash-consed value per distinct (op, inputs, attrs).
 * Building a node runs its op's shape rule, so a shape mismatch raises `ShapeError` before anything
 * executes, and structurally equal subtrees are the same object (common subexpressions are shared for free).
 *
 * The IR core knows no op: the shape rules are installed by the op table (src/ops/index.ts), which every
 * layer above src/ops loads (src/dsl/node.ts imports it), so `mk` always finds them there.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { DType, Op, OpAttrs } from './ops.js'
import type { RShape, ShapeError } from './shape.js'

/** An IR node. `inputs` are nodes; `attrs` are plain JSON-able data. @example const y: Node<'relu'> = mk('relu', [x], {}) */
export interface Node<O extends Op = Op> {
  /** Unique per distinct node; increases with creation, so inputs always have smaller ids. */
  readonly id: number
  readonly op: O
  readonly inputs: readonly Node[]
  readonly attrs: OpAttrs[O]
  readonly shape: RShape
  readonly dtype: DType
}

/** What a shape rule infers for a node. @example { shape: ['N', 10], dtype: 'float32' } */
export interface Inferred {
  readonly shape: RShape
  readonly dtype: DType
}
/** A shape rule's verdict. @example E.right({ shape: [], dtype: 'float32' }) */
export type RuleResult = E.Either<ShapeError, Inferred>

/**
 * The runtime shape rule of op `O` (the type-level rules in src/types compute the same shapes and texts).
 * `shape` and `dtype` are given only for leaves, whose shape is not inferred.
 * @example const same: ShapeRule<'neg'> = ([x]) => E.right({ shape: x!.shape, dtype: x!.dtype })
 */
export type ShapeRule<O extends Op> = (inputs: readonly Node[], attrs: OpAttrs[O], shape?: RShape, dtype?: DType) => RuleResult

/** The shape rule of every op. @example installShapeRules(stage('shape')) */
export type ShapeRules = { readonly [O in Op]: ShapeRule<O> }

let rules: ShapeRules | undefined

/**
 * Installs the shape rules `mk` runs (the op table does this once, when src/ops/index.ts loads).
 *
 * @example
 * installShapeRules(mapOps(ops, (impl) => impl.shape))
 */
export const installShapeRules = (table: ShapeRules): void => {
  rules = table
}

/**
 * Infers a node's shape and dtype from its op's rule.
 *
 * @example
 * inferNode('sigmoid', [x], {}) // Right({ shape: x.shape, dtype: 'float32' })
 */
export const inferNode = <O extends Op>(op: O, inputs: readonly Node[], attrs: OpAttrs[O], shape?: RShape, dtype?: DType): RuleResult => {
  if (rules === undefined) throw new Error('typegrad: no op is loaded; import src/ops/index.js (src/dsl/node.js does) before building nodes')
  const rule = rules[op] as ShapeRule<O> | undefined
  if (rule === undefined) throw new Error(`typegrad: unknown op '${op}'`)
  return rule(inputs, attrs, shape, dtype)
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
  if (E.isLeft(inferred)) throw inferred.left
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

/** All nodes reachable from `roots`, inputs before users (topological order, by id). @example topo([y]).at(-1) === y */
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

/** Type guard narrowing a node to one op. @example if (isOp(n, 'conv2d')) n.attrs.strides */
export const isOp = <O extends Op>(n: Node, op: O): n is Node<O> => n.op === op
