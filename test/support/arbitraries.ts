/**
 * fast-check arbitraries of random well-formed IR graphs, for property tests of the compiler passes.
 *
 * A graph is drawn as a list of small integer "steps" that a deterministic builder turns into nodes over
 * a pool of values (starting from an NCHW image input with a symbolic batch 'N'): elementwise ops,
 * broadcasting binaries against pool values / fills / reshaped bias params, reshape and transpose
 * (including the identities the simplifier removes), matMul, conv2d with bias, pools, batchNorm,
 * softmax, reductions and fill-only subtrees. A step that does not fit the value it picks is skipped, so
 * every drawn recipe builds. Dropout is left out: its mask depends on the element order, which the
 * layout pass changes on purpose.
 */
import fc from 'fast-check'
import { type Node, mk } from '../../src/dsl/node.js'
import type { RShape } from '../../src/dsl/shape.js'

/** A built random graph: its roots, and the leaves' concrete shapes for feeding tensors (N bound). */
export interface RandomGraph {
  readonly roots: readonly Node[]
  readonly batch: number
  /** A short description of the steps that built it (shown when a property fails). */
  readonly recipe: readonly string[]
}

const stepKinds = [
  'unary', 'binary', 'bias', 'fillOperand', 'identity', 'conv', 'pool', 'transpose', 'reshape',
  'flattenLinear', 'matMul', 'softmax', 'reduce', 'batchNorm', 'constant',
] as const
type StepKind = (typeof stepKinds)[number]

interface Step {
  readonly kind: StepKind
  readonly a: number
  readonly b: number
  readonly c: number
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom(...stepKinds),
  a: fc.nat(1000),
  b: fc.nat(1000),
  c: fc.nat(1000),
})

const unaries = ['neg', 'sigmoid', 'relu', 'tanh', 'square', 'exp'] as const
const binaries = ['add', 'sub', 'mul', 'div', 'greater'] as const
let graphCounter = 0

const concrete = (s: RShape): s is readonly number[] => s.every((d) => typeof d === 'number')
const numel = (s: RShape): number => s.reduce<number>((m, d) => m * (typeof d === 'number' ? d : 1), 1)

/** Builds the graph of a recipe; params are named `g<k>.p<i>` so graphs never share leaves by accident. */
const build = (steps: readonly Step[], image: readonly [number, number, number], rootCount: number): RandomGraph => {
  const tag = `g${graphCounter++}`
  let params = 0
  const param = (shape: RShape): Node =>
    mk('param', [], { name: `${tag}.p${params++}`, init: 'xavierUniform', fanIn: 1, fanOut: 1 }, shape, 'float32')
  const fill = (shape: RShape, v: number): Node => mk('fill', [], { value: v }, shape, 'float32')
  const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', ...image], 'float32')
  const pool: Node[] = [x]
  const recipe: string[] = []
  const pick = (k: number, pred: (n: Node) => boolean = () => true): Node | undefined => {
    const ok = pool.filter(pred)
    return ok.length === 0 ? undefined : ok[k % ok.length]
  }
  const is4d = (n: Node) => n.shape.length === 4 && n.dtype === 'float32'
  const small = (n: Node) => numel(n.shape) <= 4096
  const stepOf = (s: Step): Node | undefined => {
    switch (s.kind) {
      case 'unary': {
        const v = pick(s.a)
        return v && mk(unaries[s.b % unaries.length]!, [v], {})
      }
      case 'binary': {
        const u = pick(s.a)
        const v = pick(s.b, (n) => n.shape.length === u?.shape.length && n.shape.every((d, i) => d === u.shape[i] || d === 1 || u.shape[i] === 1))
        if (!u || !v) return undefined
        const op = binaries[s.c % binaries.length]!
        // keep div away from tiny divisors
        return op === 'div' ? mk('div', [u, mk('add', [mk('square', [v], {}), fill([], 1)], {})], {}) : mk(op, s.c % 2 ? [u, v] : [v, u], {})
      }
      case 'bias': {
        const u = pick(s.a, is4d)
        if (!u) return undefined
        const c = u.shape[1]!
        return mk('add', [u, mk('reshape', [param([c])], { shape: [1, c, 1, 1] })], {})
      }
      case 'fillOperand': {
        const u = pick(s.a)
        if (!u) return undefined
        const shape = s.b % 3 === 0 ? [] : s.b % 3 === 1 ? u.shape.map((d, i) => (i === u.shape.length - 1 ? d : 1)) : u.shape
        const op = binaries[s.c % 4]!
        return mk(op, [u, fill(shape, op === 'div' ? 2 : (s.c % 5) - 2)], {})
      }
      case 'identity': {
        const u = pick(s.a)
        if (!u) return undefined
        const r = u.shape.length
        const ids: (() => Node)[] = [
          () => mk('mul', [u, fill([], 1)], {}),
          () => mk('mul', [fill([], 1), u], {}),
          () => mk('add', [u, fill([], 0)], {}),
          () => mk('sub', [u, fill([], 0)], {}),
          () => mk('div', [u, fill([], 1)], {}),
          () => mk('neg', [mk('neg', [u], {})], {}),
          () => mk('reshape', [mk('reshape', [u], { shape: [-1] })], { shape: u.shape }),
          () => mk('transpose', [mk('transpose', [u], { perm: [...Array(r).keys()].reverse() })], { perm: [...Array(r).keys()].reverse() }),
          () => mk('sum', [u], { axes: [], keepDims: false }),
        ]
        return ids[s.b % ids.length]!()
      }
      case 'conv': {
        const u = pick(s.a, is4d)
        if (!u || !concrete(u.shape.slice(1))) return undefined
        const [, c, h, w] = u.shape as [unknown, number, number, number]
        const k = 1 + (s.b % Math.min(3, h, w))
        const out = 1 + (s.c % 3)
        const p = (s.b >> 2) % 2
        const stride = 1 + ((s.c >> 2) % 2)
        const y = mk('conv2d', [u, param([out, c, k, k])], { strides: [stride, stride], pad: [p, p, p, p], dilations: [1, 1], layout: 'NCHW' })
        return s.c % 2 ? y : mk('add', [y, mk('reshape', [param([out])], { shape: [1, out, 1, 1] })], {})
      }
      case 'pool': {
        const u = pick(s.a, (n) => is4d(n) && Number(n.shape[2]) >= 2 && Number(n.shape[3]) >= 2)
        if (!u) return undefined
        const k = 1 + (s.b % 2)
        return mk(s.c % 2 ? 'avgPool2d' : 'maxPool2d', [u], { kernel: [k, k], strides: [k, k], pad: [0, 0, 0, 0], layout: 'NCHW' })
      }
      case 'transpose': {
        const u = pick(s.a, (n) => n.shape.length >= 2)
        if (!u) return undefined
        const perm = [...u.shape.keys()].sort((i, j) => ((i * 7 + s.b) % 5) - ((j * 7 + s.b) % 5) || i - j)
        return mk('transpose', [u], { perm })
      }
      case 'reshape': {
        const u = pick(s.a, (n) => n.shape.length >= 2)
        if (!u) return undefined
        const [first, ...rest] = u.shape
        return mk('reshape', [u], { shape: s.b % 2 ? [first!, -1] : [first!, ...rest, 1] })
      }
      case 'flattenLinear': {
        const u = pick(s.a, (n) => n.shape.length === 4 && n.shape[0] === 'N' && concrete(n.shape.slice(1)))
        if (!u) return undefined
        const f = numel(u.shape.slice(1))
        const flat = mk('reshape', [u], { shape: ['N', f] })
        const o = 1 + (s.b % 4)
        const y = mk('matMul', [flat, param(s.c % 2 ? [o, f] : [f, o])], { transposeA: false, transposeB: s.c % 2 === 1 })
        return mk('add', [y, param([o])], {})
      }
      case 'matMul': {
        const u = pick(s.a, (n) => n.shape.length === 2 && typeof n.shape[1] === 'number')
        if (!u) return undefined
        const f = u.shape[1] as number
        const o = 1 + (s.b % 4)
        return mk('matMul', [u, param(s.c % 2 ? [o, f] : [f, o])], { transposeA: false, transposeB: s.c % 2 === 1 })
      }
      case 'softmax': {
        const u = pick(s.a, (n) => n.shape.length >= 1)
        if (!u) return undefined
        const r = u.shape.length
        return mk(s.c % 2 ? 'softmax' : 'logSoftmax', [u], { axis: (s.b % (2 * r)) - r })
      }
      case 'reduce': {
        const u = pick(s.a, (n) => n.shape.length >= 1)
        if (!u) return undefined
        const axes = [...u.shape.keys()].filter((i) => (s.b >> i) % 2 === 1)
        return mk((['sum', 'mean', 'max'] as const)[s.c % 3]!, [u], { axes, keepDims: (s.c >> 2) % 2 === 1 })
      }
      case 'batchNorm': {
        const u = pick(s.a, is4d)
        if (!u) return undefined
        const c = u.shape[1]!
        return mk('batchNorm', [u, param([c]), param([c])], { axis: 1, eps: 1e-3 })
      }
      case 'constant': {
        const shape = [1 + (s.a % 3), 1 + (s.b % 2)]
        const c = mk(binaries[s.c % 4]!, [fill(shape, (s.a % 5) - 2), mk('sigmoid', [fill([1, shape[1]!], (s.b % 3) - 1)], {})], {})
        const r = mk('sum', [mk('transpose', [c], { perm: [1, 0] })], { axes: [0], keepDims: true })
        const u = pick(s.c)
        return u ? mk('add', [u, mk('mean', [r], { axes: [0, 1], keepDims: false })], {}) : r
      }
    }
  }
  for (const s of steps) {
    let n: Node | undefined
    try {
      n = stepOf(s)
    } catch {
      n = undefined // a step whose shapes do not fit is skipped (mk raised ShapeError)
    }
    if (n && small(n)) {
      pool.push(n)
      recipe.push(`${s.kind}: ${n.op}${JSON.stringify(n.shape)}`)
    }
  }
  const roots = pool.slice(-rootCount)
  return { roots, batch: 2, recipe }
}

/**
 * Random well-formed graphs over an input `x: [N, C, H, W]` (N = 2 when run), 1 to 3 roots.
 *
 * @example
 * fc.assert(fc.property(graphArb(), (g) => checkGraph(g.roots)._tag === 'Right'))
 */
export const graphArb = (maxSteps = 12): fc.Arbitrary<RandomGraph> =>
  fc
    .tuple(
      fc.array(stepArb, { minLength: 1, maxLength: maxSteps }),
      fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 3, max: 7 }), fc.integer({ min: 3, max: 7 })),
      fc.integer({ min: 1, max: 3 }),
    )
    .map(([steps, image, roots]) => build(steps, image, roots))
