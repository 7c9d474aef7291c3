/** Shape rules of matMul, reshape, transpose and reductions. */
import type { ReduceAttrs } from '../ops.js'
import { type Dim, type RShape, dimProduct, isKnown, normAxis, showShape } from '../shape.js'
import { type RuleResult, ok, shapeError } from './common.js'

/** [M,K] x [K,N] -> [M,N], operands transposed first when asked. */
export const matMulShape = (a: RShape, b: RShape, ta: boolean, tb: boolean, op = 'matMul'): RuleResult => {
  if (a.length !== 2 || b.length !== 2)
    return shapeError(op, `${op} expects 2-D operands but got ${showShape(a)} and ${showShape(b)}`, a, b)
  const [m, k1] = ta ? [a[1]!, a[0]!] : [a[0]!, a[1]!]
  const [k2, n] = tb ? [b[1]!, b[0]!] : [b[0]!, b[1]!]
  if (isKnown(k1) && isKnown(k2) && k1 !== k2)
    return shapeError(op, `${op} inner dims differ: ${showShape(a)} x ${showShape(b)} (${k1} vs ${k2})`, a, b)
  return ok([m, n])
}

/** Reshape keeps the element count; one `-1` dim is inferred. */
export const reshapeShape = (x: RShape, target: RShape): RuleResult => {
  const holes = target.filter((d) => d === -1).length
  if (holes > 1) return shapeError('reshape', `reshape target ${showShape(target)} has more than one -1`, target)
  const from = dimProduct(x)
  const known = target.filter((d) => d !== -1)
  const to = dimProduct(known)
  if (holes === 1) {
    if (isKnown(from) && isKnown(to)) {
      if (to === 0 || from % to !== 0)
        return shapeError('reshape', `reshape cannot turn ${showShape(x)} (${from} elements) into ${showShape(target)}`, x)
      return ok(target.map((d) => (d === -1 ? from / to : d)))
    }
    const rest: Dim = symbolicQuotient(from, known)
    return ok(target.map((d) => (d === -1 ? rest : d)))
  }
  if (isKnown(from) && isKnown(to) && from !== to)
    return shapeError('reshape', `reshape cannot turn ${showShape(x)} (${from} elements) into ${showShape(target)} (${to} elements)`, x, target)
  return ok(target)
}

/** from / product(known) when symbolic: cancels equal symbolic factors (N*400 / 400 = N). */
const symbolicQuotient = (from: Dim, known: readonly Dim[]): Dim => {
  const factors = String(from).split('*')
  let divisor = 1
  for (const d of known) {
    const i = factors.indexOf(String(d))
    if (i >= 0 && !isKnown(d)) factors.splice(i, 1)
    else if (isKnown(d)) divisor *= d
  }
  const num = factors.filter((f) => /^\d+$/.test(f)).reduce((a, f) => a * Number(f), 1)
  const syms = factors.filter((f) => !/^\d+$/.test(f))
  const n = num / divisor
  return syms.length === 0 ? n : [...(n === 1 ? [] : [String(n)]), ...syms].join('*')
}

export const transposeShape = (x: RShape, perm: readonly number[]): RuleResult => {
  const sorted = [...perm].sort((a, b) => a - b)
  if (perm.length !== x.length || sorted.some((p, i) => p !== i))
    return shapeError('transpose', `transpose permutation [${perm.join(', ')}] does not fit ${showShape(x)}`, x)
  return ok(perm.map((p) => x[p]!))
}

export const reduceShape = (op: string, x: RShape, a: ReduceAttrs): RuleResult => {
  const axes = a.axes.map((ax) => normAxis(ax, x.length))
  if (axes.some((ax) => ax === undefined))
    return shapeError(op, `${op} axes [${a.axes.join(', ')}] out of range for ${showShape(x)}`, x)
  const set = new Set(axes)
  return ok(a.keepDims ? x.map((d, i) => (set.has(i) ? 1 : d)) : x.filter((_, i) => !set.has(i)))
}
