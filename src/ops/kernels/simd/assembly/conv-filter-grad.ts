import { fillZero, madd } from './common'

// ---- conv2d filter gradient ----

/**
 * Partial sums of dW [KH, KW, Ci, Co] of an NHWC conv2d over an x already padded (no bounds checks: every
 * tap of every output position reads inside xp [N, HP, WP, Ci]). Items [lo, hi) of KH * ceil(KW/5) * Ci *
 * ceil(Co/8) * blocks: an item is one kernel row, up to 5 taps of it, one input channel, up to 8 output
 * channels (so its 5 x 2 accumulators stay in registers) and one of `blocks` equal runs of images (so a
 * small filter still splits evenly over two threads). Item i writes its sums to parts [i, 5 taps, 8], which
 * the caller adds up over the image blocks in order into dW.
 * dW[kh,kw,ci,co] = sum over n, oh, ow of xp[n, oh*sh + kh*dh, ow*sw + kw*dw, ci] * dy[n, oh, ow, co].
 * Channel tails read whole vectors past the last output channel (the caller keeps 16 bytes readable
 * after dy) and drop those lanes.
 */
export function conv2dFilterGrad(
  lo: i32, hi: i32, slot: i32, xp: usize, dy: usize, parts: usize,
  n: i32, hp: i32, wp: i32, ci: i32, oh: i32, ow: i32, co: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dwl: i32, blocks: i32,
): void {
  const kwBlocks = (kw + 4) / 5
  const coBlocks = (co + 7) >> 3
  for (let part = lo; part < hi; part++) {
    const blk = part % blocks
    const item = part / blocks
    const b0 = <i32>((<i64>blk * n) / blocks)
    const b1 = <i32>((<i64>(blk + 1) * n) / blocks)
    const cob = item % coBlocks
    let rest = item / coBlocks
    const c = rest % ci
    rest /= ci
    const kwb = rest % kwBlocks
    const ky = rest / kwBlocks
    const k0 = kwb * 5
    const taps = min(5, kw - k0)
    const o0 = cob << 3
    const two = min(8, co - o0) > 4
    const acc = parts + (<usize>(part * 40) << 2)
    for (let i = 0; i < 40; i += 4) v128.store(acc + (<usize>i << 2), f32x4.splat(0))
    switch (taps * 2 + (two ? 1 : 0)) {
      case 2: filterRows(1, false, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      case 3: filterRows(1, true, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      case 4: filterRows(2, false, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      case 5: filterRows(2, true, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      case 6: filterRows(3, false, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      case 7: filterRows(3, true, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      case 8: filterRows(4, false, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      case 9: filterRows(4, true, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      case 10: filterRows(5, false, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      default: filterRows(5, true, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0)
    }
  }
}

/** Adds a partial sum vector into the item's accumulator slot `i` (of 10). */
// @ts-ignore: decorator
@inline function flush(acc: usize, i: i32, v: v128): void {
  const p = acc + (<usize>i << 4)
  v128.store(p, f32x4.add(v128.load(p), v))
}

/**
 * The item's loop over every output position, `taps` (1..5) and `two` (8 or 4 output channels) constant
 * at each call site, so the optimizer drops the unused accumulators.
 */
// @ts-ignore: decorator
@inline function filterRows(
  taps: i32, two: bool, xp: usize, dy: usize, acc: usize, b0: i32, b1: i32, hp: i32, wp: i32, ci: i32, oh: i32, ow: i32, co: i32,
  sh: i32, sw: i32, dh: i32, dwl: i32, ky: i32, k0: i32, c: i32, o0: i32,
): void {
  const z = f32x4.splat(0)
  const xStep = <usize>(sw * ci) << 2
  const tapStep = <usize>(dwl * ci) << 2
  const dyStep = <usize>co << 2
  for (let b = b0; b < b1; b++) {
    let a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, e0 = z, e1 = z, e2 = z, e3 = z, e4 = z
    for (let y = 0; y < oh; y++) {
      let x = xp + (<usize>((((b * hp + y * sh + ky * dh) * wp) + k0 * dwl) * ci + c) << 2)
      let d = dy + (<usize>(((b * oh + y) * ow) * co + o0) << 2)
      for (let k = 0; k < ow; k++) {
        const d0 = v128.load(d)
        const x0 = v128.load32_splat(x)
        a0 = madd(x0, d0, a0)
        let d1 = z
        if (two) {
          d1 = v128.load(d, 16)
          e0 = madd(x0, d1, e0)
        }
        if (taps > 1) {
          const x1 = v128.load32_splat(x + tapStep)
          a1 = madd(x1, d0, a1)
          if (two) e1 = madd(x1, d1, e1)
        }
        if (taps > 2) {
          const x2 = v128.load32_splat(x + 2 * tapStep)
          a2 = madd(x2, d0, a2)
          if (two) e2 = madd(x2, d1, e2)
        }
        if (taps > 3) {
          const x3 = v128.load32_splat(x + 3 * tapStep)
          a3 = madd(x3, d0, a3)
          if (two) e3 = madd(x3, d1, e3)
        }
        if (taps > 4) {
          const x4 = v128.load32_splat(x + 4 * tapStep)
          a4 = madd(x4, d0, a4)
          if (two) e4 = madd(x4, d1, e4)
        }
        x += xStep
        d += dyStep
      }
    }
    flush(acc, 0, a0); flush(acc, 1, e0)
    if (taps > 1) { flush(acc, 2, a1); flush(acc, 3, e1) }
    if (taps > 2) { flush(acc, 4, a2); flush(acc, 5, e2) }
    if (taps > 3) { flush(acc, 6, a3); flush(acc, 7, e3) }
    if (taps > 4) { flush(acc, 8, a4); flush(acc, 9, e4) }
  }
}

// ---- spatial zero padding ----

/**
 * Rows [r0, r1) of xp [N*HP, WP, C] = x [N, H, W, C] placed at (top, left), zeros around it (the
 * filter-gradient kernel's input: tfjs-wasm's pad is a scalar loop, ~20x slower than this copy).
 */
export function padRows(r0: i32, r1: i32, slot: i32, x: usize, xp: usize, h: i32, w: i32, c: i32, hp: i32, wp: i32, top: i32, left: i32): void {
  const z = f32x4.splat(0)
  const rowBytes = wp * c * 4
  for (let r = r0; r < r1; r++) {
    const b = r / hp
    const y = r - b * hp - top
    const dst = xp + (<usize>r * <usize>rowBytes)
    if (y < 0 || y >= h) {
      fillZero(dst, rowBytes, z)
      continue
    }
    const lead = left * c * 4
    const body = w * c * 4
    fillZero(dst, lead, z)
    memory.copy(dst + lead, x + (<usize>((b * h + y) * w * c) << 2), body)
    fillZero(dst + lead + body, rowBytes - lead - body, z)
  }
}
