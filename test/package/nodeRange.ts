/**
 * A small reader of `engines.node` ranges (the repository has no `semver` package and adds no
 * dependency for this): release versions only, with `||`, comparator sets, `^`, `~`, x-ranges
 * (`6.*`, `4.x`, `>= 10.*`), hyphen ranges and partial versions. Anything else throws, so an
 * unreadable range fails the test instead of passing it.
 *
 * `subsetWitness(a, b)` answers "does every Node version allowed by `a` satisfy `b`?" exactly for
 * release versions: versions are discrete, so if some version in `a` is outside `b`, the smallest
 * such version is one of the bounds written in either range, or the patch right after one (or 0.0.0).
 * @example subsetWitness('>=20', '^20.19.0 || >=23') // '20.0.0' (20.0.0 is allowed by a, not by b)
 */

/** A release version as [major, minor, patch]. */
export type Version = readonly [number, number, number]
type Op = '>=' | '>' | '<=' | '<' | '='
interface Comparator {
  readonly op: Op
  readonly v: Version
}
/** A range: a union (`||`) of comparator sets, each an intersection. */
type Range = ReadonlyArray<ReadonlyArray<Comparator>>

const cmp = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]

/** Parses `20`, `20.1`, `20.1.2`, `20.x`, `*`, with an optional leading `v`: the numbers given (null for wildcards). */
function partial(text: string): number[] {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/.exec(text)
  if (!m) throw new Error(`unsupported version '${text}'`)
  const parts = [m[1], m[2], m[3]].filter((p): p is string => p !== undefined)
  const firstWild = parts.findIndex((p) => !/^\d+$/.test(p))
  return (firstWild < 0 ? parts : parts.slice(0, firstWild)).map(Number)
}

const fill = (p: ReadonlyArray<number>): Version => [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0]
/** The first version after every version that starts with the partial `p` (`[20]` -> 21.0.0). */
const after = (p: ReadonlyArray<number>): Version =>
  p.length === 1 ? [p[0]! + 1, 0, 0] : p.length === 2 ? [p[0]!, p[1]! + 1, 0] : [p[0]!, p[1]!, p[2]! + 1]

function comparators(token: string): Comparator[] {
  const m = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(token)!
  const op = m[1] ?? ''
  const p = partial(m[2]!)
  if (p.length === 0) {
    if (op === '' || op === '=' || op === '>=' || op === '<=') return [] // any version
    throw new Error(`unsupported comparator '${token}'`)
  }
  switch (op) {
    case '':
    case '=':
      return p.length === 3 ? [{ op: '=', v: fill(p) }] : [{ op: '>=', v: fill(p) }, { op: '<', v: after(p) }]
    case '>=':
      return [{ op: '>=', v: fill(p) }]
    case '>':
      return [{ op: '>=', v: after(p) }]
    case '<':
      return [{ op: '<', v: fill(p) }]
    case '<=':
      return [{ op: '<', v: after(p) }]
    case '~':
      return [{ op: '>=', v: fill(p) }, { op: '<', v: after(p.slice(0, Math.min(p.length, 2))) }]
    default: {
      // '^': the first non-zero number given may not change (^0.0 and ^0 keep the minor resp. major).
      const keep = p[0] !== 0 || p.length === 1 ? 1 : p[1] !== 0 || p.length === 2 ? 2 : 3
      return [{ op: '>=', v: fill(p) }, { op: '<', v: after(p.slice(0, keep)) }]
    }
  }
}

/** Parses a node range, e.g. `^20.19.0 || ^22.12.0 || >=23`, `6.* || 8.* || >= 10.*`, `4.x || >=6.0.0`. */
export function parseRange(range: string): Range {
  return range.split('||').map((set) => {
    const text = set.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text)
    if (hyphen) {
      const [lo, hi] = [partial(hyphen[1]!), partial(hyphen[2]!)]
      return [{ op: '>=', v: fill(lo) } as Comparator, ...(hi.length === 0 ? [] : comparators(`<=${hyphen[2]}`))]
    }
    return text === '' ? [] : text.split(/\s+/).flatMap(comparators)
  })
}

const holds = (c: Comparator, v: Version): boolean => {
  const d = cmp(v, c.v)
  return c.op === '>=' ? d >= 0 : c.op === '>' ? d > 0 : c.op === '<=' ? d <= 0 : c.op === '<' ? d < 0 : d === 0
}

/** Whether the release version `version` (e.g. `v20.20.2`) satisfies `range`. */
export function satisfies(version: string, range: string): boolean {
  const v = fill(partial(version.replace(/^v/, '')))
  return parseRange(range).some((set) => set.every((c) => holds(c, v)))
}

const show = (v: Version): string => v.join('.')

/** The smallest release version allowed by `a` but not by `b`, or undefined when `a` is a subset of `b`. */
export function subsetWitness(a: string, b: string): string | undefined {
  const bounds = [...parseRange(a), ...parseRange(b)].flat().map((c) => c.v)
  const probes = [[0, 0, 0] as Version, ...bounds, ...bounds.map((v): Version => [v[0], v[1], v[2] + 1])].sort(cmp)
  const found = probes.find((v) => satisfies(show(v), a) && !satisfies(show(v), b))
  return found && show(found)
}
