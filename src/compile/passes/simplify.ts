/**
 * Algebraic simplification: identities that remove work without changing any value.
 *
 * x*1, 1*x, x+0, 0+x, x-0, x/1 -> x (only when x already has the result's shape, so no broadcast is lost);
 * 0-x -> neg x; neg(neg x) -> x; reshape(reshape x) -> reshape x; reshape to the same shape -> x;
 * transpose(transpose x) -> one transpose; identity transpose -> x; a transpose that only moves size-1
 * dims -> reshape; sum/mean/max over no axes (or only size-1 axes) -> x (or a reshape); dropout with
 * rate 0 -> x; broadcastTo the same shape -> x.
 *
 * Deliberately NOT done: x*0 -> 0. It is wrong when x holds Inf or NaN (0*Inf = NaN), and a diverging
 * run should show its NaNs instead of hiding them behind a constant.
 */
import { P, match } from 'ts-pattern'
import { type Node, mk } from '../../dsl/node.js'
import { composePerm, isIdentityPerm, movesOnlyUnitDims, sameShape } from './perm.js'
import { type Pass, type Rule, rewriteWith } from './rewrite.js'

const fillOf = (value: number) => ({ op: 'fill' as const, attrs: { value } })

/** `x` as the result of `n` when it needs no broadcast to become it. */
const keep = (n: Node, x: Node): Node | undefined => (sameShape(x.shape, n.shape) && x.dtype === n.dtype ? x : undefined)

/** The simplification rules, one node at a time (inputs already simplified). */
export const simplifyRule: Rule = (n) =>
  match<Node, Node | undefined>(n)
    .with({ op: 'mul', inputs: [P.select(), fillOf(1)] }, (x) => keep(n, x))
    .with({ op: 'mul', inputs: [fillOf(1), P.select()] }, (x) => keep(n, x))
    .with({ op: 'add', inputs: [P.select(), fillOf(0)] }, (x) => keep(n, x))
    .with({ op: 'add', inputs: [fillOf(0), P.select()] }, (x) => keep(n, x))
    .with({ op: 'sub', inputs: [P.select(), fillOf(0)] }, (x) => keep(n, x))
    .with({ op: 'sub', inputs: [fillOf(0), P.select()] }, (x) => (keep(n, x) ? mk('neg', [x], {}) : undefined))
    .with({ op: 'div', inputs: [P.select(), fillOf(1)] }, (x) => keep(n, x))
    .with({ op: 'neg', inputs: [{ op: 'neg', inputs: [P.select()] }] }, (x) => x)
    .with({ op: 'dropout', attrs: { rate: 0 }, inputs: [P.select()] }, (x) => x)
    .with({ op: 'reshape', inputs: [{ op: 'reshape', inputs: [P.select()] }] }, (x) => keep(n, x) ?? mk('reshape', [x], { shape: n.shape }))
    .with({ op: P.union('reshape', 'broadcastTo'), inputs: [P.select()] }, (x) => keep(n, x))
    .with({ op: 'transpose', inputs: [{ op: 'transpose', inputs: [P.select()] }] }, (x) =>
      mk('transpose', [x], { perm: composePerm((n.inputs[0] as Node<'transpose'>).attrs.perm, (n as Node<'transpose'>).attrs.perm) }),
    )
    .with({ op: 'transpose', inputs: [P.select()] }, (x) => {
      const perm = (n as Node<'transpose'>).attrs.perm
      return isIdentityPerm(perm) ? x : movesOnlyUnitDims(x.shape, perm) ? mk('reshape', [x], { shape: n.shape }) : undefined
    })
    .with({ op: P.union('sum', 'mean', 'max'), inputs: [P.select()] }, (x) => {
      const axes = (n as Node<'sum'>).attrs.axes
      const unit = axes.every((a) => x.shape[a < 0 ? a + x.shape.length : a] === 1)
      return unit ? (keep(n, x) ?? mk('reshape', [x], { shape: n.shape })) : undefined
    })
    .otherwise(() => undefined)

/**
 * Simplifies the graph to a fixed point.
 *
 * @example
 * simplify([mk('mul', [x, fill([], 1).node], {})]) // [x]
 */
export const simplify: Pass = (roots) => rewriteWith(roots, simplifyRule)
