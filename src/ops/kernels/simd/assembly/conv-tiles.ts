import { LINEAR, SIGMOID, sigmoidInPlace } from './activation'
import { loadPart, transposeStore } from './common'
import { tile4x8 } from './gemm'

// ---- conv2d forward as the dense product's 4 x 8 register tiles ----
//
// Why: the output of an NHWC conv is a product [positions, KH*KW*Ci] x [KH*KW*Ci, Co]. Each work item
// packs the windows of 4 output positions (im2col for those 4 only, [K, 4], in the slot's scratch: a few
// KB that stay in L1) and runs the dense product's micro-kernel over the filter's 8-channel panels, whose
// splats then sit at fixed offsets from one pointer (read straight from x, they cost an address
// computation each and ran ~30% slower).

/**
 * Windows of output positions i0 .. i0+3 (flat over N*OH*OW; positions past the last repeat it) of xp
 * [N, HP, WP, Ci] into pa [K, 4], K = KH*KW*Ci in (ky, kx, c) order. A window's row of taps is one run of
 * floats (KW * Ci when undilated, else Ci per tap), read 4 floats at a time per position and transposed
 * in registers; a run's last partial group spills at most 3 columns into the next run's place (written
 * over next) or into the 3 spare columns after K.
 */
// @ts-ignore: decorator
@inline function packWindows(
  xp: usize, pa: usize, i0: i32, positions: i32, hp: i32, wpx: i32, ci: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dwl: i32,
): void {
  const rowBytes = <usize>(wpx * ci) << 2
  // window starts of the 4 positions
  let p0: usize = 0, p1: usize = 0, p2: usize = 0, p3: usize = 0
  for (let r = 0; r < 4; r++) {
    const i = min(i0 + r, positions - 1)
    const b = i / (oh * ow)
    const rest = i - b * oh * ow
    const oy = rest / ow
    const ox = rest - oy * ow
    const start = xp + <usize>(b * hp + oy * sh) * rowBytes + (<usize>(ox * sw * ci) << 2)
    if (r == 0) p0 = start
    else if (r == 1) p1 = start
    else if (r == 2) p2 = start
    else p3 = start
  }
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
 * Position panels [lo, hi) (4 output positions each, flat over N*OH*OW) of y [N, OH, OW, Co] =
 * act(conv2d(xp, w) + bias) over x already padded: xp [N, HP, WP, Ci] such that every tap of every output
 * position reads inside it. `wp` is w [KH, KW, Ci, Co] packed by gemmPackB, `bias` [Co] (0: none), `act`
 * an activation code; `scratch` holds a [K + 3, 4] panel per slot.
 */
export function conv2dTiles(
  lo: i32, hi: i32, slot: i32, xp: usize, wp: usize, bias: usize, y: usize, scratch: usize,
  n: i32, hp: i32, wpx: i32, ci: i32, oh: i32, ow: i32, co: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dwl: i32, act: i32,
): void {
  const k = kh * kw * ci
  const pa = scratch + (<usize>(slot * (k + 3) * 4) << 2)
  const positions = n * oh * ow
  const co8 = (co + 7) >> 3
  const outPos = <usize>co << 2
  // sigmoid runs as a pass over the panel's outputs (its polynomial's dependency chains would hold up the tiles)
  const tileAct = act == SIGMOID ? LINEAR : act
  for (let panel = lo; panel < hi; panel++) {
    const i0 = panel << 2
    packWindows(xp, pa, i0, positions, hp, wpx, ci, oh, ow, kh, kw, sh, sw, dh, dwl)
    const rows = min(4, positions - i0)
    for (let p = 0; p < co8; p++) {
      const j0 = p << 3
      tile4x8(pa, wp + (<usize>(p * k * 8) << 2), k, y + (<usize>(i0 * co + j0) << 2), outPos, rows, min(8, co - j0), bias, j0, tileAct)
    }
    // the panel's positions are contiguous and still in L1
    if (act == SIGMOID) sigmoidInPlace(y + (<usize>(i0 * co) << 2), rows * co)
  }
}
