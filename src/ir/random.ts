/**
 * Explicit, splittable random keys (JAX style): every random draw is a pure function of a key.
 *
 * @example
 * const [k1, k2] = split(key(0))
 * uniform(k1, 3, -1, 1) // the same 3 numbers for key(0) every time
 */

/** A random key: two 32-bit words. */
export type Key = readonly [number, number]

/** murmur3's 32-bit finalizer: a bijective avalanche mix. */
const fmix = (h0: number): number => {
  let h = h0 >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
const mix2 = (a: number, b: number, i: number): number => fmix(fmix(a ^ Math.imul(i, 0x9e3779b9)) ^ fmix(b + i * 0x7f4a7c15))

/** The root key of a seed. */
export const key = (seed: number): Key => [fmix(seed >>> 0), fmix((seed / 2 ** 32) ^ 0x5bd1e995)]

/** `n` independent keys derived from `k` (default 2). */
export const split = (k: Key, n = 2): Key[] =>
  Array.from({ length: n }, (_, i) => [mix2(k[0], k[1], 2 * i + 1), mix2(k[1], k[0], 2 * i + 2)] as const)

/** The key for a named child (e.g. a parameter path), independent of the others. */
export const foldIn = (k: Key, name: string): Key => {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193)
  return [mix2(k[0], h, 1), mix2(k[1], h, 2)]
}

/** `n` uniform floats in [lo, hi). */
export const uniform = (k: Key, n: number, lo = 0, hi = 1): Float32Array => {
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * (mix2(k[0], k[1], i) / 2 ** 32)
  return out
}

/** `n` standard normal floats (Box-Muller), scaled by `std`. */
export const normal = (k: Key, n: number, std = 1): Float32Array => {
  const out = new Float32Array(n)
  for (let i = 0; i < n; i += 2) {
    const u1 = (mix2(k[0], k[1], i) + 1) / (2 ** 32 + 1)
    const u2 = mix2(k[0], k[1], i + 1) / 2 ** 32
    const r = Math.sqrt(-2 * Math.log(u1)) * std
    out[i] = r * Math.cos(2 * Math.PI * u2)
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2)
  }
  return out
}

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export const permutation = (k: Key, n: number): Uint32Array => {
  const p = new Uint32Array(n)
  for (let i = 0; i < n; i++) p[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = mix2(k[0], k[1], i) % (i + 1)
    const t = p[i]!
    p[i] = p[j]!
    p[j] = t
  }
  return p
}
