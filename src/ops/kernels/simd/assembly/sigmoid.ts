import { fillZero, loadPart, storePart } from './common'

// ---- sigmoid backward, optionally through a non-overlapping k x k average pool, plus bias sums ----

/**
 * Image rows [r0, r1) of y [N*H, W, C]: dx = up(dp) * y * (1 - y), where up(dp) repeats dp
 * [N, OH, OW, C] over kH x kW tiles, times `scale` (kH = kW = 1 and scale = 1: plain sigmoidGrad with
 * dy = dp, any [R, W*C]). Scratch per slot: [2, W*C], row 0 = the sum of the dx rows (the caller folds it into
 * the bias sums), row 1 holds the upsampled dp row. `dx` = 0 skips writing dx.
 */
export function sigmoidGradRows(
  r0: i32, r1: i32, slot: i32,
  y: usize, dp: usize, dx: usize, scratch: usize, h: i32, w: i32, c: i32, oh: i32, ow: i32, kH: i32, kW: i32, scale: f32,
): void {
  const row = w * c
  const rowAcc = scratch + (<usize>(slot * 2 * row) << 2)
  const tmp = rowAcc + (<usize>row << 2)
  // the slot is this range's alone: start from zero, so a range can be rerun
  fillZero(rowAcc, row * 4, f32x4.splat(0))
  const pooled = kH != 1 || kW != 1
  const one = f32x4.splat(1.0)
  const s4 = f32x4.splat(scale)
  // the upsampled row is the same for the kH image rows of one pooled row: built once for them
  let built: usize = 0
  for (let r = r0; r < r1; r++) {
    const n = r / h
    const hh = r - n * h
    let src: usize
    if (pooled) {
      const prow = dp + (<usize>((n * oh + hh / kH) * ow * c) << 2)
      if (prow != built) {
        upsampleRow(prow, tmp, ow, w, c, kW, s4)
        built = prow
      }
      src = tmp
    } else {
      src = dp + (<usize>(r * row) << 2)
    }
    const yr = y + (<usize>(r * row) << 2)
    const dr = dx + (<usize>(r * row) << 2)
    let i = 0
    for (; i + 4 <= row; i += 4) {
      const o = <usize>i << 2
      const yv = v128.load(yr + o)
      const g = f32x4.mul(v128.load(src + o), f32x4.mul(yv, f32x4.sub(one, yv)))
      if (dx != 0) v128.store(dr + o, g)
      v128.store(rowAcc + o, f32x4.add(v128.load(rowAcc + o), g))
    }
    for (; i < row; i++) {
      const o = <usize>i << 2
      const yv = load<f32>(yr + o)
      const g = load<f32>(src + o) * yv * (1.0 - yv)
      if (dx != 0) store<f32>(dr + o, g)
      store<f32>(rowAcc + o, load<f32>(rowAcc + o) + g)
    }
  }
}

/**
 * tmp [W, C] = scale * the pooled row p [OW, C] with each position repeated kW times (positions past
 * OW * kW, which no window covers, get zeros).
 */
// @ts-ignore: decorator
@inline function upsampleRow(p: usize, tmp: usize, ow: i32, w: i32, c: i32, kW: i32, s4: v128): void {
  const bytes = <usize>c << 2
  let d = tmp
  for (let ox = 0; ox < ow; ox++) {
    const ps = p + <usize>ox * bytes
    for (let kx = 0; kx < kW; kx++) {
      let k = 0
      for (; k + 4 <= c; k += 4) v128.store(d + (<usize>k << 2), f32x4.mul(v128.load(ps + (<usize>k << 2)), s4))
      if (k < c) storePart(d + (<usize>k << 2), f32x4.mul(loadPart(ps + (<usize>k << 2), c - k), s4), c - k)
      d += bytes
    }
  }
  fillZero(d, (w - ow * kW) * c * 4, f32x4.splat(0))
}

/** Rows [r0, r1) of x [R, F]: scratch row `slot` of [16, F] = the sum of the rows (sums over every axis but the last). */
export function columnSums(r0: i32, r1: i32, slot: i32, x: usize, scratch: usize, f: i32): void {
  const rowAcc = scratch + (<usize>(slot * f) << 2)
  fillZero(rowAcc, f * 4, f32x4.splat(0))
  for (let r = r0; r < r1; r++) {
    const xr = x + (<usize>(r * f) << 2)
    let i = 0
    for (; i + 4 <= f; i += 4) {
      const o = <usize>i << 2
      v128.store(rowAcc + o, f32x4.add(v128.load(rowAcc + o), v128.load(xr + o)))
    }
    for (; i < f; i++) {
      const o = <usize>i << 2
      store<f32>(rowAcc + o, load<f32>(rowAcc + o) + load<f32>(xr + o))
    }
  }
}
