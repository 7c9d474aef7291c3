/**
 * The pure helpers of the benchmark scripts: command-line flags, medians, alternating rounds.
 * Kept free of tfjs and child processes so bench/args.test.ts checks them in milliseconds.
 */

/** Whether `--name` is on the command line. @example hasFlag(['--json'], 'json') // true */
export const hasFlag = (argv: readonly string[], name: string): boolean => argv.includes(`--${name}`)

/**
 * The value after `--name` (or of `--name=value`), else `fallback`.
 * @example stringArg(['--model', 'lenet'], 'model', 'lenet-modern') // 'lenet'
 */
export function stringArg(argv: readonly string[], name: string, fallback: string): string
export function stringArg(argv: readonly string[], name: string, fallback?: string): string | undefined
export function stringArg(argv: readonly string[], name: string, fallback?: string): string | undefined {
  const eq = argv.find((a) => a.startsWith(`--${name}=`))
  if (eq !== undefined) return eq.slice(name.length + 3)
  const i = argv.indexOf(`--${name}`)
  if (i < 0) return fallback
  const v = argv[i + 1]
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`)
  return v
}

/**
 * The non-negative integer after `--name`, else `fallback`; anything else throws (a typo must not bench silently).
 * @example intArg(['--rounds', '3'], 'rounds', 5) // 3
 */
export const intArg = (argv: readonly string[], name: string, fallback: number): number => {
  const s = stringArg(argv, name)
  if (s === undefined) return fallback
  const n = Number(s)
  if (!/^\s*\d+\s*$/.test(s) || !Number.isSafeInteger(n)) throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(s)}`)
  return n
}

/**
 * The median; for an even count the upper of the two middle values (a value that was measured).
 * @example median([3, 1, 2]) // 2
 */
export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) throw new Error('median of no values')
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
}

/**
 * Runs the contestants one after another, `rounds` times (a, b, a, b, ...), so slow phases of a noisy machine
 * hit both; returns each one's results in round order. A contestant that yields undefined (e.g. no torch)
 * is dropped from later rounds.
 * @example await alternate(2, { a: async () => 1, b: async () => 2 }) // { a: [1, 1], b: [2, 2] }
 */
export const alternate = async <C extends Readonly<Record<string, () => Promise<unknown>>>>(
  rounds: number,
  contestants: C,
): Promise<{ [K in keyof C]: NonNullable<Awaited<ReturnType<C[K]>>>[] }> => {
  const names = Object.keys(contestants) as (keyof C & string)[]
  const out = Object.fromEntries(names.map((n) => [n, [] as unknown[]])) as Record<keyof C, unknown[]>
  const gone = new Set<keyof C>()
  for (let r = 0; r < rounds; r++) {
    for (const n of names) {
      if (gone.has(n)) continue
      const v = await contestants[n]!()
      if (v === undefined || v === null) gone.add(n)
      else out[n].push(v)
    }
  }
  return out as { [K in keyof C]: NonNullable<Awaited<ReturnType<C[K]>>>[] }
}

/**
 * The median of per-round ratios num[i] / den[i] (rounds paired, so a slow phase cancels), or undefined
 * without a full pair. @example pairedRatio([30, 20], [10, 10]) // 3
 */
export const pairedRatio = (num: readonly number[], den: readonly number[]): number | undefined => {
  const n = Math.min(num.length, den.length)
  return n === 0 ? undefined : median(Array.from({ length: n }, (_, i) => num[i]! / den[i]!))
}
