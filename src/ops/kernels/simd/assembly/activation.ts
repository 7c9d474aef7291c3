// Activations applied in registers by the kernels that fuse one (their `act` argument takes these codes),
// and the epilogue of the 4 x 8 register tiles (dense product, conv tiles) that applies them.
import { loadPart, madd, storePart } from './common'

export const LINEAR = 0
export const RELU = 1
export const SIGMOID = 2

/** c - a * b per lane, fused where {@link madd} is (else bitwise sub(c, mul(a, b))). */
// @ts-ignore: decorator
@inline export function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_nmadd(a, b, c)
  return f32x4.sub(c, f32x4.mul(a, b))
}

/**
 * 1 / (1 + e^-v) for four lanes, with e^x = 2^n p(r): n = round(x / ln 2), r = x - n ln 2 (two-part
 * ln 2), p the degree-6 Taylor polynomial (|r| <= 0.347: relative error under 2e-7), x = -v clamped to
 * [-87.3, 88] where e^x stays a normal float; n is rounded by adding 1.5 * 2^23 + 127 (the sum's low
 * mantissa bits are then n + 127, which shifted into the exponent field are 2^n). The negation is folded
 * into the steps (-x and -r are carried: float negation is exact, so every rounding sees the same
 * magnitudes), which saves the three instructions V8 spends on a sign flip.
 */
// @ts-ignore: decorator
@inline export function sigmoid4(v: v128): v128 {
  const magic = f32x4.splat(12583039.0) // 1.5 * 2^23 + 127
  const nx = f32x4.pmax(f32x4.pmin(v, f32x4.splat(87.3)), f32x4.splat(-88.0)) // -x
  const t = nmadd(nx, f32x4.splat(1.44269504), magic)
  const n = f32x4.sub(t, magic)
  const nr = madd(n, f32x4.splat(-2.12194440e-4), madd(n, f32x4.splat(0.693359375), nx)) // -r
  let p = f32x4.splat(1.0 / 720.0)
  p = nmadd(p, nr, f32x4.splat(1.0 / 120.0))
  p = nmadd(p, nr, f32x4.splat(1.0 / 24.0))
  p = nmadd(p, nr, f32x4.splat(1.0 / 6.0))
  p = nmadd(p, nr, f32x4.splat(0.5))
  p = nmadd(p, nr, f32x4.splat(1.0))
  p = nmadd(p, nr, f32x4.splat(1.0))
  const one = f32x4.splat(1.0)
  return f32x4.div(one, f32x4.add(one, f32x4.mul(p, i32x4.shl(t, 23))))
}

/**
 * Sigmoid over p[0, count) in place: a pass over output rows still in L1, measured faster than the same
 * work on each tile as it leaves the accumulators (there the polynomial's long dependency chains hold up
 * the next tile's multiply-adds; here they overlap each other).
 */
// @ts-ignore: decorator
@inline export function sigmoidInPlace(p: usize, count: i32): void {
  const end = p + (<usize>count << 2)
  let q = p
  for (; q + 16 <= end; q += 16) v128.store(q, sigmoid4(v128.load(q)))
  const rest = <i32>(end - q) >> 2
  if (rest > 0) storePart(q, sigmoid4(loadPart(q, rest)), rest)
}

/** act(v) for the codes above (anything else: linear). */
// @ts-ignore: decorator
@inline export function activate(v: v128, act: i32): v128 {
  if (act == RELU) return f32x4.max(v, f32x4.splat(0))
  if (act == SIGMOID) return sigmoid4(v)
  return v
}

/** Stores act(lo|hi + bias) to the first `cols` (1..8) floats at p. */
// @ts-ignore: decorator
@inline function storeRow(p: usize, lo: v128, hi: v128, bl: v128, bh: v128, cols: i32, act: i32): void {
  const vl = activate(f32x4.add(lo, bl), act)
  if (cols >= 8) {
    v128.store(p, vl)
    v128.store(p, activate(f32x4.add(hi, bh), act), 16)
    return
  }
  storePart(p, vl, min(cols, 4))
  if (cols > 4) storePart(p + 16, activate(f32x4.add(hi, bh), act), cols - 4)
}

/**
 * The epilogue of a 4 x 8 tile: rows r < `rows` of the tile (accumulators r0..r3, low and high halves)
 * get bias[j0 .. j0+cols) (bias 0: none) added, `act` applied, and go to out + (r & 1) * rowStep + (r >> 1)
 * * pairStep (pairStep = 2 * rowStep: evenly spaced rows), their first `cols` (1..8) floats.
 */
// @ts-ignore: decorator
@inline export function storeTile4x8(
  out: usize, rowStep: usize, pairStep: usize, rows: i32, cols: i32, bias: usize, j0: i32, act: i32,
  r0l: v128, r0h: v128, r1l: v128, r1h: v128, r2l: v128, r2h: v128, r3l: v128, r3h: v128,
): void {
  let bl = f32x4.splat(0)
  let bh = bl
  if (bias != 0) {
    bl = loadPart(bias + (<usize>j0 << 2), min(cols, 4))
    if (cols > 4) bh = loadPart(bias + (<usize>j0 << 2) + 16, cols - 4)
  }
  storeRow(out, r0l, r0h, bl, bh, cols, act)
  if (rows > 1) storeRow(out + rowStep, r1l, r1h, bl, bh, cols, act)
  if (rows > 2) storeRow(out + pairStep, r2l, r2h, bl, bh, cols, act)
  if (rows > 3) storeRow(out + pairStep + rowStep, r3l, r3h, bl, bh, cols, act)
}
