// Helpers shared by the SIMD kernels (inlined at every use).

/**
 * a * b + c per lane: one fused multiply-add where the build enables relaxed SIMD (the -fma binaries; the
 * engine fuses or not, fixed per machine), else a multiply and an add (bitwise as before).
 */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c)
  return f32x4.add(c, f32x4.mul(a, b))
}

// @ts-ignore: decorator
@inline export function fillZero(p: usize, bytes: i32, z: v128): void {
  let i = 0
  for (; i + 16 <= bytes; i += 16) v128.store(p + i, z)
  for (; i < bytes; i += 4) store<f32>(p + i, 0)
}

// ---- partial vectors (channel tails) ----

/** Loads the first `valid` (1..4) floats at p into lanes 0.., zero-filling the rest (never reads past them). */
// @ts-ignore: decorator
@inline export function loadPart(p: usize, valid: i32): v128 {
  if (valid >= 4) return v128.load(p)
  if (valid == 2) return v128.load64_zero(p)
  if (valid == 1) return v128.load32_zero(p)
  return f32x4.replace_lane(v128.load64_zero(p), 2, load<f32>(p, 8))
}

/** Stores the first `valid` (1..4) lanes of v at p. */
// @ts-ignore: decorator
@inline export function storePart(p: usize, v: v128, valid: i32): void {
  if (valid >= 4) v128.store(p, v)
  else if (valid == 2) v128.store64_lane(p, v, 0)
  else if (valid == 1) v128.store32_lane(p, v, 0)
  else {
    v128.store64_lane(p, v, 0)
    v128.store32_lane(p, v, 2, 8)
  }
}

/** Stores the 4 x 4 block with rows x0..x3 column by column: d[j * 4 + r] = x_r[j]. */
// @ts-ignore: decorator
@inline export function transposeStore(d: usize, x0: v128, x1: v128, x2: v128, x3: v128): void {
  const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5)
  const t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5)
  const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7)
  const t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7)
  v128.store(d, i32x4.shuffle(t0, t1, 0, 1, 4, 5))
  v128.store(d, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 16)
  v128.store(d, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 32)
  v128.store(d, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 48)
}

/**
 * dst[0, co) = the average of the 4 channel vectors at a, a + pos (beside it), a + pair (below it) and
 * a + pair + pos, summed as (a + c) / 4 + (b + d) / 4: pool-tiles.ts's order, so fused pools give its bits.
 */
// @ts-ignore: decorator
@inline export function poolWindow(a: usize, pos: usize, pair: usize, co: i32, dst: usize): void {
  const quarter = f32x4.splat(0.25)
  for (let c = 0; c < co; c += 4) {
    const valid = min(4, co - c)
    const o = <usize>c << 2
    const left = f32x4.mul(f32x4.add(loadPart(a + o, valid), loadPart(a + pair + o, valid)), quarter)
    const right = f32x4.mul(f32x4.add(loadPart(a + pos + o, valid), loadPart(a + pair + pos + o, valid)), quarter)
    storePart(dst + o, f32x4.add(left, right), valid)
  }
}
