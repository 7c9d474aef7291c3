import { LINEAR, RELU, SIGMOID, sigmoidInPlace } from './activation'
import { loadPart, madd, poolWindow, storePart } from './common'

// ---- conv2d forward, one input channel, with bias and activation ----

/**
 * Output rows [lo, hi) (of N*OH) of y [N, OH, OW, Co] = act(conv2d(xp, w) + bias) for ONE input channel
 * and horizontal stride 1 (a grayscale first layer), over x already padded: xp [N, HP, WP] with WP >=
 * 4 * ceil(OW / 4) + (KW - 1) * dw, so whole 4-position tiles read inside it. `prep` is what the caller
 * lays out once per call: the taps' byte offsets into a padded row block, `taps` i32 (ky * dh * WP + kx *
 * dw, times 4), then from float `wAt` the filter with each weight repeated in 4 lanes, [taps, Co, 4],
 * then the bias likewise, [Co, 4] (whole-vector loads with constant offsets: no splat, no address
 * arithmetic in the tap loop). `act`: 0 linear, 1 relu, 2 sigmoid (dispatched here, once).
 *
 * Lanes are 4 adjacent output positions (one unaligned load per tap), so no lane idles whatever Co is.
 * A tile is R output rows x 4 positions x NC channels with R * NC = 8 accumulators: rows of 4 at a time,
 * channels in groups of 4 as 2 rows x 4 channels (the rows share each weight), a 3-channel rest as 2
 * rows (6), a 2- or 1-channel rest as 4 rows. 8 independent chains keep both FMA ports busy (each chain waits 4 cycles per tap) and, with
 * 2-4 x vectors and 2-4 weights, stay within V8's 15 vector registers; the last rows of a range when fewer
 * than 4 go one at a time. Every output is bias + its taps in order whatever the grouping, so the bits
 * do not depend on how rows are split between threads.
 */
export function conv2dOneChannel(
  lo: i32, hi: i32, slot: i32, xp: usize, prep: usize, y: usize,
  hp: i32, wp: i32, oh: i32, ow: i32, co: i32, taps: i32, sh: i32, wAt: i32, act: i32, yp: usize,
): void {
  // pooled: the items are pairs of output rows, so every block of rows holds whole pooling windows
  const r0 = yp != 0 ? lo * 2 : lo
  const r1 = yp != 0 ? hi * 2 : hi
  if (act == SIGMOID) sigmoidRows(r0, r1, xp, prep, y, hp, wp, oh, ow, co, taps, sh, wAt, yp)
  else if (act == RELU) reluRows(r0, r1, xp, prep, y, hp, wp, oh, ow, co, taps, sh, wAt, yp)
  else linearRows(r0, r1, xp, prep, y, hp, wp, oh, ow, co, taps, sh, wAt, yp)
}

// One function per activation, not inlined: binaryen folds inlined copies that differ only in a constant
// back into one body with a runtime branch on it, in the middle of the tile code.
// @ts-ignore: decorator
@noinline function sigmoidRows(lo: i32, hi: i32, xp: usize, prep: usize, y: usize, hp: i32, wp: i32, oh: i32, ow: i32, co: i32, taps: i32, sh: i32, wAt: i32, yp: usize): void {
  outputRows(SIGMOID, lo, hi, xp, prep, y, hp, wp, oh, ow, co, taps, sh, wAt, yp)
}

// @ts-ignore: decorator
@noinline function reluRows(lo: i32, hi: i32, xp: usize, prep: usize, y: usize, hp: i32, wp: i32, oh: i32, ow: i32, co: i32, taps: i32, sh: i32, wAt: i32, yp: usize): void {
  outputRows(RELU, lo, hi, xp, prep, y, hp, wp, oh, ow, co, taps, sh, wAt, yp)
}

// @ts-ignore: decorator
@noinline function linearRows(lo: i32, hi: i32, xp: usize, prep: usize, y: usize, hp: i32, wp: i32, oh: i32, ow: i32, co: i32, taps: i32, sh: i32, wAt: i32, yp: usize): void {
  outputRows(LINEAR, lo, hi, xp, prep, y, hp, wp, oh, ow, co, taps, sh, wAt, yp)
}

/** The top-left tap's row in xp for output row r (of N*OH). */
// @ts-ignore: decorator
@inline function xRow(xp: usize, r: i32, hp: i32, wp: i32, oh: i32, sh: i32): usize {
  const b = r / oh
  return xp + (<usize>((b * hp + (r - b * oh) * sh) * wp) << 2)
}

// @ts-ignore: decorator
@inline function outputRows(
  act: i32, lo: i32, hi: i32, xp: usize, prep: usize, y: usize, hp: i32, wp: i32, oh: i32, ow: i32, co: i32, taps: i32, sh: i32, wAt: i32, yp: usize,
): void {
  // the sigmoid runs as a pass over each block of rows; the tiles store the linear sums
  const tileAct = act == SIGMOID ? LINEAR : act
  const tapsEnd = prep + (<usize>taps << 2)
  const w = prep + (<usize>wAt << 2)
  const bias = w + (<usize>(taps * co) << 4)
  const rowBytes = <usize>(ow * co) << 2
  for (let r = lo; r < hi; r += 4) {
    const rows = min(4, hi - r)
    const y0 = y + <usize>r * rowBytes
    if (rows == 4) {
      const x0 = xRow(xp, r, hp, wp, oh, sh), x1 = xRow(xp, r + 1, hp, wp, oh, sh)
      const x2 = xRow(xp, r + 2, hp, wp, oh, sh), x3 = xRow(xp, r + 3, hp, wp, oh, sh)
      const y1 = y0 + rowBytes, y2 = y1 + rowBytes, y3 = y2 + rowBytes
      let c0 = 0
      for (; c0 + 4 <= co; c0 += 4) {
        rowTiles(2, 4, tileAct, x0, x1, 0, 0, y0, y1, 0, 0, prep, tapsEnd, w, bias, ow, co, c0)
        rowTiles(2, 4, tileAct, x2, x3, 0, 0, y2, y3, 0, 0, prep, tapsEnd, w, bias, ow, co, c0)
      }
      if (co - c0 == 3) {
        rowTiles(2, 3, tileAct, x0, x1, 0, 0, y0, y1, 0, 0, prep, tapsEnd, w, bias, ow, co, c0)
        rowTiles(2, 3, tileAct, x2, x3, 0, 0, y2, y3, 0, 0, prep, tapsEnd, w, bias, ow, co, c0)
      } else if (co - c0 == 2) {
        rowTiles(4, 2, tileAct, x0, x1, x2, x3, y0, y1, y2, y3, prep, tapsEnd, w, bias, ow, co, c0)
      } else if (co - c0 == 1) {
        rowTiles(4, 1, tileAct, x0, x1, x2, x3, y0, y1, y2, y3, prep, tapsEnd, w, bias, ow, co, c0)
      }
    } else {
      for (let k = 0; k < rows; k++) {
        const x0 = xRow(xp, r + k, hp, wp, oh, sh)
        const yk = y0 + <usize>k * rowBytes
        for (let c0 = 0; c0 < co; c0 += 4) {
          switch (min(4, co - c0)) {
            case 1: rowTiles(1, 1, tileAct, x0, 0, 0, 0, yk, 0, 0, 0, prep, tapsEnd, w, bias, ow, co, c0); break
            case 2: rowTiles(1, 2, tileAct, x0, 0, 0, 0, yk, 0, 0, 0, prep, tapsEnd, w, bias, ow, co, c0); break
            case 3: rowTiles(1, 3, tileAct, x0, 0, 0, 0, yk, 0, 0, 0, prep, tapsEnd, w, bias, ow, co, c0); break
            default: rowTiles(1, 4, tileAct, x0, 0, 0, 0, yk, 0, 0, 0, prep, tapsEnd, w, bias, ow, co, c0)
          }
        }
      }
    }
    if (act == SIGMOID) sigmoidInPlace(y0, rows * ow * co)
    if (yp != 0) poolRowPairs(y0, rows >> 1, ow, co, yp + <usize>(r >> 1) * (rowBytes >> 1))
  }
}

/**
 * The 2 x 2 average pool of `pairs` pairs of output rows at y0 (rows of OW x Co floats, still in L1) into
 * pooled rows at out (OW/2 x Co each): (a + c) / 4 + (b + d) / 4 with a, b side by side in the top row and
 * c, d under them (common.ts's poolWindow).
 */
// @ts-ignore: decorator
@inline function poolRowPairs(y0: usize, pairs: i32, ow: i32, co: i32, out: usize): void {
  const rowBytes = <usize>(ow * co) << 2
  const pos = <usize>co << 2
  let d = out
  for (let p = 0; p < pairs; p++) {
    const top = y0 + <usize>(2 * p) * rowBytes
    for (let ox = 0; ox + 1 < ow; ox += 2) {
      poolWindow(top + <usize>ox * pos, pos, rowBytes, co, d)
      d += pos
    }
  }
}

/**
 * Output channels [c0, c0 + NC) of R output rows (x rows from x0.., written at y0..), all positions, 4
 * per tile (R, NC constant per call site; the unused row pointers are placeholders).
 */
// @ts-ignore: decorator
@inline function rowTiles(
  R: i32, NC: i32, act: i32, x0: usize, x1: usize, x2: usize, x3: usize, y0: usize, y1: usize, y2: usize, y3: usize,
  taps: usize, tapsEnd: usize, w: usize, bias: usize, ow: i32, co: i32, c0: i32,
): void {
  const wStep = <usize>co << 4
  const wc = w + (<usize>c0 << 4)
  const bc = bias + (<usize>c0 << 4)
  for (let ox = 0; ox < ow; ox += 4) {
    // accumulators a<row><channel>, from the bias (reloaded per tile: held across it, they would crowd the registers)
    const b0 = v128.load(bc)
    const b1 = NC > 1 ? v128.load(bc, 16) : b0
    const b2 = NC > 2 ? v128.load(bc, 32) : b0
    const b3 = NC > 3 ? v128.load(bc, 48) : b0
    let a00 = b0, a01 = b1, a02 = b2, a03 = b3
    let a10 = b0, a11 = b1, a12 = b2, a13 = b3
    let a20 = b0, a21 = b1, a30 = b0, a31 = b1
    const o = <usize>ox << 2
    const p0 = x0 + o, p1 = x1 + o, p2 = x2 + o, p3 = x3 + o
    let wt = wc
    let tp = taps
    do {
      const off = <usize>load<i32>(tp)
      const v0 = v128.load(p0 + off)
      const v1 = R > 1 ? v128.load(p1 + off) : v0
      const v2 = R > 2 ? v128.load(p2 + off) : v0
      const v3 = R > 3 ? v128.load(p3 + off) : v0
      const w0 = v128.load(wt)
      a00 = madd(v0, w0, a00)
      if (R > 1) a10 = madd(v1, w0, a10)
      if (R > 2) a20 = madd(v2, w0, a20)
      if (R > 3) a30 = madd(v3, w0, a30)
      if (NC > 1) {
        const w1 = v128.load(wt, 16)
        a01 = madd(v0, w1, a01)
        if (R > 1) a11 = madd(v1, w1, a11)
        if (R > 2) a21 = madd(v2, w1, a21)
        if (R > 3) a31 = madd(v3, w1, a31)
      }
      // (R * NC <= 8: 3 and 4 channels come with at most 2 rows)
      if (NC > 2) {
        const w2 = v128.load(wt, 32)
        a02 = madd(v0, w2, a02)
        if (R > 1) a12 = madd(v1, w2, a12)
      }
      if (NC > 3) {
        const w3 = v128.load(wt, 48)
        a03 = madd(v0, w3, a03)
        if (R > 1) a13 = madd(v1, w3, a13)
      }
      wt += wStep
      tp += 4
    } while (tp < tapsEnd)
    const out = <usize>(ox * co + c0) << 2
    const positions = min(4, ow - ox)
    storeTransposed(y0 + out, activate(a00, act), activate(a01, act), activate(a02, act), activate(a03, act), NC, co, positions)
    if (R > 1) storeTransposed(y1 + out, activate(a10, act), activate(a11, act), activate(a12, act), activate(a13, act), NC, co, positions)
    if (R > 2) storeTransposed(y2 + out, activate(a20, act), activate(a21, act), a21, a21, NC, co, positions)
    if (R > 3) storeTransposed(y3 + out, activate(a30, act), activate(a31, act), a31, a31, NC, co, positions)
  }
}

/** relu or nothing (the sigmoid is a pass of its own). */
// @ts-ignore: decorator
@inline function activate(v: v128, act: i32): v128 {
  return act == RELU ? f32x4.max(v, f32x4.splat(0)) : v
}

/**
 * Writes a 4 x 4 tile given per channel (a0..a3: channels, lanes: positions) channels-last: position j
 * gets channels [0, nc) at out + j * co floats, for the first `positions` positions.
 */
// @ts-ignore: decorator
@inline function storeTransposed(out: usize, a0: v128, a1: v128, a2: v128, a3: v128, nc: i32, co: i32, positions: i32): void {
  const step = <usize>co << 2
  if (nc <= 2) {
    // [a0.j a1.j] pairs: two unpacks instead of the 4 x 4 transpose
    const lo = i32x4.shuffle(a0, a1, 0, 4, 1, 5)
    const hi = i32x4.shuffle(a0, a1, 2, 6, 3, 7)
    if (nc == 1) {
      v128.store32_lane(out, a0, 0)
      if (positions > 1) v128.store32_lane(out + step, a0, 1)
      if (positions > 2) v128.store32_lane(out + 2 * step, a0, 2)
      if (positions > 3) v128.store32_lane(out + 3 * step, a0, 3)
      return
    }
    v128.store64_lane(out, lo, 0)
    if (positions > 1) v128.store64_lane(out + step, lo, 1)
    if (positions > 2) v128.store64_lane(out + 2 * step, hi, 0)
    if (positions > 3) v128.store64_lane(out + 3 * step, hi, 1)
    return
  }
  const t0 = i32x4.shuffle(a0, a1, 0, 4, 1, 5)
  const t1 = i32x4.shuffle(a2, a3, 0, 4, 1, 5)
  const t2 = i32x4.shuffle(a0, a1, 2, 6, 3, 7)
  const t3 = i32x4.shuffle(a2, a3, 2, 6, 3, 7)
  storePart(out, i32x4.shuffle(t0, t1, 0, 1, 4, 5), nc)
  if (positions > 1) storePart(out + step, i32x4.shuffle(t0, t1, 2, 3, 6, 7), nc)
  if (positions > 2) storePart(out + 2 * step, i32x4.shuffle(t2, t3, 0, 1, 4, 5), nc)
  if (positions > 3) storePart(out + 3 * step, i32x4.shuffle(t2, t3, 2, 3, 6, 7), nc)
}
