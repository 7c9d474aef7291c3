import { loadPart, madd, storePart } from './common'

// ---- conv2d input gradient ----

/** The lane sums of a, b, c, d as one vector [sum a, sum b, sum c, sum d]. */
// @ts-ignore: decorator
@inline function sum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const s0 = f32x4.add(i32x4.shuffle(a, b, 0, 4, 1, 5), i32x4.shuffle(a, b, 2, 6, 3, 7))
  const s1 = f32x4.add(i32x4.shuffle(c, d, 0, 4, 1, 5), i32x4.shuffle(c, d, 2, 6, 3, 7))
  return f32x4.add(i32x4.shuffle(s0, s1, 0, 1, 4, 5), i32x4.shuffle(s0, s1, 2, 3, 6, 7))
}

// @ts-ignore: decorator
@inline function floorDiv(a: i32, d: i32): i32 {
  return a >= 0 ? a / d : -((d - 1 - a) / d)
}

// @ts-ignore: decorator
@inline function ceilDiv(a: i32, d: i32): i32 {
  return a >= 0 ? (a + d - 1) / d : -(-a / d)
}

function gcd(a: i32, b: i32): i32 {
  while (b != 0) {
    const t = a % b
    a = b
    b = t
  }
  return a
}

/**
 * The lowest tap k in [0, hi] whose output index (u - k d) / s is whole and below `o` (u = i + pad, the
 * input index in padded coordinates); above hi when none. The valid taps are then k, k + s/gcd(s, d), ... <= hi.
 */
function firstTap(u: i32, d: i32, s: i32, o: i32, hi: i32): i32 {
  let k = max(0, ceilDiv(u - (o - 1) * s, d))
  if (s > 1) while (k <= hi && (u - k * d) % s != 0) k++
  return k
}

/**
 * Images [4 lo, min(4 hi, N)) of dx [N, H, W, Ci] = the input gradient of an NHWC conv2d from dy [N, OH, OW, Co], as a
 * gather: each dx position sums dy W over the taps that read it from inside dy (none on padding), then is
 * stored once (no zero fill, no read-modify-write). Output channels are the lanes: `wq` is the filter packed
 * as [KH, KW reversed, ceil(Co/4), Ci, 4] (Co zero-padded to a multiple of 4), so one dy vector (4 output
 * channels of one position) multiplies the vectors of several input channels, each its own accumulator,
 * lane-summed at the end: no lanes wasted when Co % 4 == 0, whatever Ci. With stride and dilation 1 along
 * the width and Co % 4 == 0, a row of taps reads dy and (kx reversed) wq contiguously: one flat loop, and
 * the four images of a work item share the filter loads (4 images x 2 input channels = 8 accumulators,
 * enough independent chains to hide the multiply-add latency). Otherwise (or fewer than four images left)
 * one image at a time, up to 8 channels. Both sum in the same order: the same bits either way.
 */
export function conv2dInputGrad(
  lo: i32, hi: i32, slot: i32, dy: usize, wq: usize, dx: usize, n: i32,
  h: i32, w: i32, ci: i32, oh: i32, ow: i32, co: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dwl: i32, top: i32, left: i32,
): void {
  const nq = (co + 3) >> 2
  const tapBytes = <usize>(nq * ci) << 4
  const gy = sh / gcd(sh, dh)
  const gx = sw / gcd(sw, dwl)
  const oyStep = gy * dh / sh
  const oxStep = gx * dwl / sw
  const flat = sw == 1 && dwl == 1 && (co & 3) == 0
  const dyImageBytes = <usize>(oh * ow * co) << 2
  const dxImageBytes = <usize>(h * w * ci) << 2
  // one-image channel groups of at most 8 (accumulators), as even as possible
  const groups = (ci + 7) >> 3
  const gs = (ci + groups - 1) / groups
  const end = min(hi << 2, n)
  for (let b = lo << 2; b < end; b++) {
    const four = flat && b + 4 <= end
    const dyImage = dy + <usize>b * dyImageBytes
    let p = dx + <usize>b * dxImageBytes
    for (let iy = 0; iy < h; iy++) {
      const uy = iy + top
      const kyHi = min(kh - 1, floorDiv(uy, dh))
      const ky0 = firstTap(uy, dh, sh, oh, kyHi)
      const nky = ky0 <= kyHi ? (kyHi - ky0) / gy + 1 : 0
      const oy0 = (uy - ky0 * dh) / sh
      for (let ix = 0; ix < w; ix++) {
        const ux = ix + left
        let kx0: i32, nkx: i32, ox0: i32
        if (sw == 1 && dwl == 1) {
          kx0 = max(0, ux - ow + 1)
          nkx = max(0, min(kw - 1, ux) - kx0 + 1)
          ox0 = ux - kx0
        } else {
          const kxHi = min(kw - 1, floorDiv(ux, dwl))
          kx0 = firstTap(ux, dwl, sw, ow, kxHi)
          nkx = kx0 <= kxHi ? (kxHi - kx0) / gx + 1 : 0
          ox0 = (ux - kx0 * dwl) / sw
        }
        if (four) {
          for (let c0 = 0; c0 < ci; c0 += 2) {
            const wc = wq + (<usize>c0 << 4)
            const pc = p + (<usize>c0 << 2)
            if (c0 + 2 <= ci) gather4(2, dyImage, dyImageBytes, wc, pc, dxImageBytes, nky, ky0, oy0, nkx, kx0, ox0, gy, oyStep, ci, ow, co, kw, nq, tapBytes)
            else gather4(1, dyImage, dyImageBytes, wc, pc, dxImageBytes, nky, ky0, oy0, nkx, kx0, ox0, gy, oyStep, ci, ow, co, kw, nq, tapBytes)
          }
          p += <usize>ci << 2
          continue
        }
        for (let c0 = 0; c0 < ci; c0 += gs) {
          const cn = min(gs, ci - c0)
          const wc = wq + (<usize>c0 << 4)
          if (cn == 8) gather(8, dyImage, wc, p, nky, ky0, oy0, nkx, kx0, ox0, gy, oyStep, gx, oxStep, ci, ow, co, kw, nq, tapBytes, flat)
          else if (cn == 7) gather(7, dyImage, wc, p, nky, ky0, oy0, nkx, kx0, ox0, gy, oyStep, gx, oxStep, ci, ow, co, kw, nq, tapBytes, flat)
          else if (cn == 6) gather(6, dyImage, wc, p, nky, ky0, oy0, nkx, kx0, ox0, gy, oyStep, gx, oxStep, ci, ow, co, kw, nq, tapBytes, flat)
          else if (cn == 5) gather(5, dyImage, wc, p, nky, ky0, oy0, nkx, kx0, ox0, gy, oyStep, gx, oxStep, ci, ow, co, kw, nq, tapBytes, flat)
          else if (cn == 4) gather(4, dyImage, wc, p, nky, ky0, oy0, nkx, kx0, ox0, gy, oyStep, gx, oxStep, ci, ow, co, kw, nq, tapBytes, flat)
          else if (cn == 3) gather(3, dyImage, wc, p, nky, ky0, oy0, nkx, kx0, ox0, gy, oyStep, gx, oxStep, ci, ow, co, kw, nq, tapBytes, flat)
          else if (cn == 2) gather(2, dyImage, wc, p, nky, ky0, oy0, nkx, kx0, ox0, gy, oyStep, gx, oxStep, ci, ow, co, kw, nq, tapBytes, flat)
          else gather(1, dyImage, wc, p, nky, ky0, oy0, nkx, kx0, ox0, gy, oyStep, gx, oxStep, ci, ow, co, kw, nq, tapBytes, flat)
          p += <usize>cn << 2
        }
      }
    }
    if (four) b += 3
  }
}

/**
 * dx channels [c0, c0 + C) of one position of one image (at `out`; `wc` = wq + c0 vectors): the sum over its
 * valid taps, nky rows from (ky0, oy0) and nkx columns from (kx0, ox0), taps stepping by (gy, gx) and outputs
 * down by (oyStep, oxStep). C is a constant at each call: the accumulators past it fold away.
 */
// @ts-ignore: decorator
@inline function gather(
  C: i32, dyImage: usize, wc: usize, out: usize, nky: i32, ky0: i32, oy0: i32, nkx: i32, kx0: i32, ox0: i32,
  gy: i32, oyStep: i32, gx: i32, oxStep: i32, ci: i32, ow: i32, co: i32, kw: i32, nq: i32, tapBytes: usize, flat: bool,
): void {
  const z = f32x4.splat(0)
  let a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z
  const qBytes = <usize>ci << 4
  const posBytes = <usize>co << 2
  const tail = co & 3
  let dyRow = dyImage + <usize>(oy0 * ow) * posBytes
  let wRow = wc + <usize>(ky0 * kw) * tapBytes
  const dyRowStep = <usize>(oyStep * ow) * posBytes
  const wRowStep = <usize>(gy * kw) * tapBytes
  for (let r = 0; r < nky; r++) {
    if (flat) {
      // taps kx0 .. kx0+nkx-1 read dy positions ox0 down to ox0-nkx+1: ascending, with kx reversed in wq
      let d = dyRow + <usize>(ox0 - nkx + 1) * posBytes
      let wp = wRow + <usize>(kw - kx0 - nkx) * tapBytes
      for (let n = nkx * nq; n > 0; n--) {
        const x = v128.load(d)
        a0 = madd(x, v128.load(wp), a0)
        if (C > 1) a1 = madd(x, v128.load(wp, 16), a1)
        if (C > 2) a2 = madd(x, v128.load(wp, 32), a2)
        if (C > 3) a3 = madd(x, v128.load(wp, 48), a3)
        if (C > 4) a4 = madd(x, v128.load(wp, 64), a4)
        if (C > 5) a5 = madd(x, v128.load(wp, 80), a5)
        if (C > 6) a6 = madd(x, v128.load(wp, 96), a6)
        if (C > 7) a7 = madd(x, v128.load(wp, 112), a7)
        d += 16
        wp += qBytes
      }
    } else {
      for (let t = 0; t < nkx; t++) {
        let d = dyRow + <usize>(ox0 - t * oxStep) * posBytes
        let wp = wRow + <usize>(kw - 1 - kx0 - t * gx) * tapBytes
        for (let q = 0; q < nq; q++) {
          const x = q < nq - 1 || tail == 0 ? v128.load(d) : loadPart(d, tail)
          a0 = madd(x, v128.load(wp), a0)
          if (C > 1) a1 = madd(x, v128.load(wp, 16), a1)
          if (C > 2) a2 = madd(x, v128.load(wp, 32), a2)
          if (C > 3) a3 = madd(x, v128.load(wp, 48), a3)
          if (C > 4) a4 = madd(x, v128.load(wp, 64), a4)
          if (C > 5) a5 = madd(x, v128.load(wp, 80), a5)
          if (C > 6) a6 = madd(x, v128.load(wp, 96), a6)
          if (C > 7) a7 = madd(x, v128.load(wp, 112), a7)
          d += 16
          wp += qBytes
        }
      }
    }
    dyRow -= dyRowStep
    wRow += wRowStep
  }
  if (C >= 4) v128.store(out, sum4(a0, a1, a2, a3))
  else storePart(out, sum4(a0, a1, a2, a3), C)
  if (C == 8) v128.store(out, sum4(a4, a5, a6, a7), 16)
  else if (C > 4) storePart(out + 16, sum4(a4, a5, a6, a7), C - 4)
}

/**
 * gather's flat case for four consecutive images at once (dy and dx images `dyImageBytes`, `dxImageBytes`
 * apart; `out` in the first), C (1 or 2, constant) channels each: every filter vector serves four images.
 */
// @ts-ignore: decorator
@inline function gather4(
  C: i32, dyImage: usize, dyImageBytes: usize, wc: usize, out: usize, dxImageBytes: usize, nky: i32, ky0: i32, oy0: i32,
  nkx: i32, kx0: i32, ox0: i32, gy: i32, oyStep: i32, ci: i32, ow: i32, co: i32, kw: i32, nq: i32, tapBytes: usize,
): void {
  const z = f32x4.splat(0)
  let a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z
  const qBytes = <usize>ci << 4
  const posBytes = <usize>co << 2
  let dyRow = dyImage + <usize>(oy0 * ow) * posBytes
  let wRow = wc + <usize>(ky0 * kw) * tapBytes
  const dyRowStep = <usize>(oyStep * ow) * posBytes
  const wRowStep = <usize>(gy * kw) * tapBytes
  for (let r = 0; r < nky; r++) {
    let d = dyRow + <usize>(ox0 - nkx + 1) * posBytes
    let wp = wRow + <usize>(kw - kx0 - nkx) * tapBytes
    for (let n = nkx * nq; n > 0; n--) {
      const u = v128.load(wp)
      const x0 = v128.load(d)
      a0 = madd(x0, u, a0)
      const x1 = v128.load(d + dyImageBytes)
      a1 = madd(x1, u, a1)
      const x2 = v128.load(d + 2 * dyImageBytes)
      a2 = madd(x2, u, a2)
      const x3 = v128.load(d + 3 * dyImageBytes)
      a3 = madd(x3, u, a3)
      if (C > 1) {
        const v = v128.load(wp, 16)
        b0 = madd(x0, v, b0)
        b1 = madd(x1, v, b1)
        b2 = madd(x2, v, b2)
        b3 = madd(x3, v, b3)
      }
      d += 16
      wp += qBytes
    }
    dyRow -= dyRowStep
    wRow += wRowStep
  }
  if (C > 1) {
    const s01 = sum4(a0, b0, a1, b1)
    const s23 = sum4(a2, b2, a3, b3)
    v128.store64_lane(out, s01, 0)
    v128.store64_lane(out + dxImageBytes, s01, 1)
    v128.store64_lane(out + 2 * dxImageBytes, s23, 0)
    v128.store64_lane(out + 3 * dxImageBytes, s23, 1)
  } else {
    const s = sum4(a0, a1, a2, a3)
    v128.store32_lane(out, s, 0)
    v128.store32_lane(out + dxImageBytes, s, 1)
    v128.store32_lane(out + 2 * dxImageBytes, s, 2)
    v128.store32_lane(out + 3 * dxImageBytes, s, 3)
  }
}
