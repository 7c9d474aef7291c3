import { loadPart, madd, storePart, fillZero } from './common'

// ---- conv2d input gradient ----

/** dx[p] += v for the first `valid` (1..4) lanes. */
// @ts-ignore: decorator
@inline function addInto(p: usize, v: v128, valid: i32): void {
  if (valid >= 4) v128.store(p, f32x4.add(v128.load(p), v))
  else storePart(p, f32x4.add(loadPart(p, valid), v), valid)
}

/**
 * Images [lo, hi) of dx [N, H, W, Ci] = the input gradient of an NHWC conv2d, scattered from dy
 * [N, OH, OW, Co]: each dy position adds W[ky,kx] dy to the dx positions its taps read (only taps
 * inside the image: no multiplications by padding, unlike a full convolution over padded dy). `wt8`
 * is the filter transposed to [KH, KW, Co, Ci8] with Ci rounded up to a multiple of 8, zero-filled.
 * Register tile: 4 output positions x 8 input channels, summed over Co before touching dx.
 */
export function conv2dInputGrad(
  lo: i32, hi: i32, slot: i32, dy: usize, wt8: usize, dx: usize,
  h: i32, w: i32, ci: i32, oh: i32, ow: i32, co: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dwl: i32, top: i32, left: i32,
): void {
  const ci8 = (ci + 7) & ~7
  const z = f32x4.splat(0)
  const image = h * w * ci
  const pos = <usize>ci << 2
  for (let b = lo; b < hi; b++) {
    const dxImage = dx + (<usize>(b * image) << 2)
    fillZero(dxImage, image * 4, z)
    for (let c0 = 0; c0 < ci; c0 += 8) {
      const cv = min(8, ci - c0)
      for (let oy = 0; oy < oh; oy++) {
        const dyRow = dy + (<usize>(((b * oh + oy) * ow) * co) << 2)
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky * dh - top
          if (iy < 0 || iy >= h) continue
          const dxRow = dxImage + (<usize>(iy * w * ci + c0) << 2)
          for (let kx = 0; kx < kw; kx++) {
            const wTap = wt8 + (<usize>(((ky * kw + kx) * co) * ci8 + c0) << 2)
            const shift = kx * dwl - left
            let ox = 0
            for (; ox + 4 <= ow; ox += 4) {
              let a0 = z, a1 = z, e0 = z, e1 = z, f0 = z, f1 = z, g0 = z, g1 = z
              let wp = wTap
              let d = dyRow + (<usize>(ox * co) << 2)
              const dStep = <usize>co << 2
              for (let o = 0; o < co; o++) {
                const w0 = v128.load(wp)
                const w1 = v128.load(wp, 16)
                const x0 = v128.load32_splat(d)
                const x1 = v128.load32_splat(d + dStep)
                const x2 = v128.load32_splat(d + 2 * dStep)
                const x3 = v128.load32_splat(d + 3 * dStep)
                a0 = madd(x0, w0, a0); a1 = madd(x0, w1, a1)
                e0 = madd(x1, w0, e0); e1 = madd(x1, w1, e1)
                f0 = madd(x2, w0, f0); f1 = madd(x2, w1, f1)
                g0 = madd(x3, w0, g0); g1 = madd(x3, w1, g1)
                wp += <usize>ci8 << 2
                d += 4
              }
              const ix = ox * sw + shift
              scatterTile(dxRow, ix, w, pos, a0, a1, cv)
              scatterTile(dxRow, ix + sw, w, pos, e0, e1, cv)
              scatterTile(dxRow, ix + 2 * sw, w, pos, f0, f1, cv)
              scatterTile(dxRow, ix + 3 * sw, w, pos, g0, g1, cv)
            }
            for (; ox < ow; ox++) {
              let a0 = z, a1 = z
              let wp = wTap
              let d = dyRow + (<usize>(ox * co) << 2)
              for (let o = 0; o < co; o++) {
                const x0 = v128.load32_splat(d)
                a0 = madd(x0, v128.load(wp), a0)
                a1 = madd(x0, v128.load(wp, 16), a1)
                wp += <usize>ci8 << 2
                d += 4
              }
              scatterTile(dxRow, ox * sw + shift, w, pos, a0, a1, cv)
            }
          }
        }
      }
    }
  }
}

/** Adds an 8-channel tile (the first `valid`) to dx row position ix, when ix is inside the row. */
// @ts-ignore: decorator
@inline function scatterTile(dxRow: usize, ix: i32, w: i32, pos: usize, lo: v128, hi: v128, valid: i32): void {
  if (ix < 0 || ix >= w) return
  const p = dxRow + <usize>ix * pos
  addInto(p, lo, min(valid, 4))
  if (valid > 4) addInto(p + 16, hi, valid - 4)
}
