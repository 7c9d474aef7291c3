/**
 * Graph validation: re-runs every node's shape rule and checks the structural invariants the passes rely
 * on. Nodes are built through `mk`, which already checks shapes, so a failure here means a pass (or a
 * hand-built node) broke an invariant; tests run it after every pass.
 */
import * as E from 'fp-ts/lib/Either.js'
import { type Node, inferNode, topo } from '../dsl/node.js'
import { sameShape, showShape } from '../dsl/shape.js'

/** Which invariant failed. */
export type CheckKind = 'shape' | 'dtype' | 'order' | 'leaf' | 'name'

/** A broken graph invariant, naming the node (by id and op) and what is wrong. */
export interface CheckError {
  readonly _tag: 'CheckError'
  readonly kind: CheckKind
  readonly node: Node
  readonly message: string
}

const leafOps = new Set(['input', 'param', 'fill'])

const fail = (kind: CheckKind, node: Node, detail: string): E.Either<CheckError, never> =>
  E.left({ _tag: 'CheckError', kind, node, message: `${node.op}#${node.id}: ${detail}` })

const checkNode = (n: Node): E.Either<CheckError, void> => {
  if (leafOps.has(n.op)) {
    if (n.inputs.length > 0) return fail('leaf', n, `a leaf has ${n.inputs.length} inputs`)
    if (n.op === 'input' && (n.attrs as { dtype: string }).dtype !== n.dtype)
      return fail('dtype', n, `input declares ${(n.attrs as { dtype: string }).dtype} but the node is ${n.dtype}`)
    if (n.op === 'fill' && typeof (n.attrs as { value: unknown }).value !== 'number') return fail('leaf', n, 'fill value is not a number')
    return E.right(undefined)
  }
  const late = n.inputs.find((i) => i.id >= n.id)
  if (late) return fail('order', n, `input ${late.op}#${late.id} does not precede its user`)
  const inferred = inferNode(n.op, n.inputs, n.attrs as never)
  if (E.isLeft(inferred)) return fail('shape', n, inferred.left.message)
  if (!sameShape(inferred.right.shape, n.shape))
    return fail('shape', n, `the rule gives ${showShape(inferred.right.shape)} but the node has ${showShape(n.shape)}`)
  if (inferred.right.dtype !== n.dtype) return fail('dtype', n, `the rule gives ${inferred.right.dtype} but the node has ${n.dtype}`)
  return E.right(undefined)
}

/**
 * Validates the graph of `roots`: every node's shape and dtype agree with the dsl rule table, inputs
 * precede their users (smaller ids), leaves have no inputs, and input/param names are unique per kind.
 *
 * @example
 * checkGraph([y.node]) // E.right(undefined), or E.left({ _tag: 'CheckError', kind: 'shape', ... })
 */
export const checkGraph = (roots: readonly Node[]): E.Either<CheckError, void> => {
  const names = new Map<string, Node>()
  for (const n of topo(roots)) {
    const r = checkNode(n)
    if (E.isLeft(r)) return r
    if (n.op === 'input' || n.op === 'param') {
      const key = `${n.op}:${(n.attrs as { name: string }).name}`
      const other = names.get(key)
      if (other && other !== n) return fail('name', n, `${n.op} name '${(n.attrs as { name: string }).name}' is also used by ${other.op}#${other.id}`)
      names.set(key, n)
    }
  }
  return E.right(undefined)
}
