import { LINEAR, SIGMOID, sigmoidInPlace } from './activation'
import { loadPart, poolWindow, transposeStore } from './common'
import { tile4x8 } from './gemm'

// ---- conv2d forward as the dense product's 4 x 8 register tiles ----
//
// Why: the output of an NHWC conv is a product [positions, KH*KW*Ci] x [KH*KW*Ci, Co]. Each work item
// packs the windows of 4 output positions (im2col for those 4 only, [K, 4], in the slot's scratch: a few
// KB that stay in L1) and runs the dense product's micro-kernel over the filter's 8-channel panels, whose
// splats then sit at fixed offsets from one pointer (read straight from x, they cost an address
// computation each and ran ~30% slower).

/** Where the window of output position f (flat over N*OH*OW) starts in xp. */
// @ts-ignore: decorator
@inline function windowStart(xp: usize, f: i32, rowBytes: usize, hp: i32, ci: i32, oh: i32, ow: i32, sh: i32, sw: i32): usize {
  const b = f / (oh * ow)
  const rest = f - b * oh * ow
  const oy = rest / ow
  const ox = rest - oy * ow
  return xp + <usize>(b * hp + oy * sh) * rowBytes + (<usize>(ox * sw * ci) << 2)
}

/**
 * Windows of output positions f0..f3 (flat over N*OH*OW) of xp [N, HP, WP, Ci] into pa [K, 4], K =
 * KH*KW*Ci in (ky, kx, c) order. A window's row of taps is one run of floats (KW * Ci when undilated,
 * else Ci per tap), read 4 floats at a time per position and transposed in registers; a run's last
 * partial group spills at most 3 columns into the next run's place (written over next) or into the 3
 * spare columns after K.
 */
// @ts-ignore: decorator
@inline function packWindows(
  xp: usize, pa: usize, f0: i32, f1: i32, f2: i32, f3: i32, hp: i32, wpx: i32, ci: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dwl: i32,
): void {
  const rowBytes = <usize>(wpx * ci) << 2
  const p0 = windowStart(xp, f0, rowBytes, hp, ci, oh, ow, sh, sw)
  const p1 = windowStart(xp, f1, rowBytes, hp, ci, oh, ow, sh, sw)
  const p2 = windowStart(xp, f2, rowBytes, hp, ci, oh, ow, sh, sw)
  const p3 = windowStart(xp, f3, rowBytes, hp, ci, oh, ow, sh, sw)
  const taps = dwl == 1 ? kw : 1
  const run = taps * ci
  const tapRow = <usize>dh * rowBytes
  const tapCol = <usize>(dwl * ci) << 2
  let d = pa
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx += taps) {
      const off = <usize>ky * tapRow + <usize>kx * tapCol
      let j = 0
      for (; j + 4 <= run; j += 4) {
        const o = off + (<usize>j << 2)
        transposeStore(d, v128.load(p0 + o), v128.load(p1 + o), v128.load(p2 + o), v128.load(p3 + o))
        d += 64
      }
      if (j < run) {
        const o = off + (<usize>j << 2)
        const left = run - j
        transposeStore(d, loadPart(p0 + o, left), loadPart(p1 + o, left), loadPart(p2 + o, left), loadPart(p3 + o, left))
        d += <usize>left << 4
      }
    }
  }
}

/**
 * Work items [lo, hi) of y [N, OH, OW, Co] = act(conv2d(xp, w) + bias) over x already padded: xp [N, HP,
 * WP, Ci] such that every tap of every output position reads inside it. `wp` is w [KH, KW, Ci, Co]
 * packed by gemmPackB, `bias` [Co] (0: none), `act` an activation code; `scratch` holds a [K + 3, 4]
 * panel per slot. An item is 4 output positions: flat positions 4i .. 4i+3 when `yp` is 0, else the 2 x 2
 * window i (OH and OW even), whose average also goes to yp [N, OH/2, OW/2, Co] (the pool of the conv's
 * output, computed while the window's outputs are in L1, in pool-tiles.ts's order of sums).
 */
export function conv2dTiles(
  lo: i32, hi: i32, slot: i32, xp: usize, wp: usize, bias: usize, y: usize, scratch: usize,
  n: i32, hp: i32, wpx: i32, ci: i32, oh: i32, ow: i32, co: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dwl: i32, act: i32, yp: usize,
): void {
  const k = kh * kw * ci
  const pa = scratch + (<usize>(slot * (k + 3) * 4) << 2)
  const positions = n * oh * ow
  const co8 = (co + 7) >> 3
  const outPos = <usize>co << 2
  // sigmoid runs as a pass over the item's outputs (its polynomial's dependency chains would hold up the tiles)
  const tileAct = act == SIGMOID ? LINEAR : act
  const pw = ow >> 1
  for (let item = lo; item < hi; item++) {
    let f0 = item << 2
    let rows = min(4, positions - f0)
    // position pairs (f0, f0 + 1) and (f2, f2 + 1): flat runs, or the two rows of a pooling window
    let f2 = f0 + 2
    if (yp != 0) {
      const py = item / pw
      f0 = (py * 2) * ow + (item - py * pw) * 2
      f2 = f0 + ow
      rows = 4
    }
    packWindows(xp, pa, f0, min(f0 + 1, positions - 1), min(f2, positions - 1), min(f2 + 1, positions - 1), hp, wpx, ci, oh, ow, kh, kw, sh, sw, dh, dwl)
    const out = y + (<usize>(f0 * co) << 2)
    const pairStep = <usize>((f2 - f0) * co) << 2
    for (let p = 0; p < co8; p++) {
      const j0 = p << 3
      tile4x8(pa, wp + (<usize>(p * k * 8) << 2), k, out + (<usize>j0 << 2), outPos, pairStep, rows, min(8, co - j0), bias, j0, tileAct)
    }
    // each pair's outputs are contiguous and still in L1
    if (act == SIGMOID) {
      sigmoidInPlace(out, min(2, rows) * co)
      if (rows > 2) sigmoidInPlace(out + pairStep, (rows - 2) * co)
    }
    if (yp != 0) poolWindow(out, outPos, pairStep, co, yp + <usize>item * outPos)
  }
}
