// ---- max-pool gradient ----

/**
 * Images [lo, hi) of dx [N, H, W, C] = the gradient of an NHWC max pool (kernel kh x kw, strides sh, sw,
 * top/left padding that never wins) given x [N, H, W, C] and dy [N, OH, OW, C]: each window's dy goes
 * to its first maximal cell in row-major window order (strict '>' after the first cell, so a NaN first
 * cell keeps the window). Windows run in order and add into dx, so overlapping windows sum; images
 * write disjoint parts of dx, so threads need no reduction. Channels go 4 at a time; when C is not a
 * multiple of 4 the last vector overlaps the one before it and adds zeros in the shared lanes (C >= 4),
 * and C < 4 runs one channel at a time.
 */
export function maxPoolGrad(
  lo: i32, hi: i32, slot: i32, x: usize, dy: usize, dx: usize,
  h: i32, w: i32, c: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, top: i32, left: i32,
): void {
  const image = <usize>(h * w * c) << 2
  const rowStep = <usize>(w * c) << 2
  const cellStep = <usize>c << 2
  for (let b = lo; b < hi; b++) {
    const xi = x + <usize>b * image
    const di = dx + <usize>b * image
    memory.fill(di, 0, image)
    for (let r = 0; r < oh; r++) {
      const r0 = max(r * sh - top, 0)
      const r1 = min(r * sh - top + kh, h)
      if (r0 >= r1) continue
      for (let q = 0; q < ow; q++) {
        const c0 = max(q * sw - left, 0)
        const c1 = min(q * sw - left + kw, w)
        if (c0 >= c1) continue
        const first = <usize>((r0 * w + c0) * c) << 2
        const dyp = dy + (<usize>(((b * oh + r) * ow + q) * c) << 2)
        const rows = r1 - r0
        const cols = c1 - c0
        if (c >= 4) {
          for (let k = 0; k < c; k += 4) {
            const k0 = min(k, c - 4)
            windowVector(xi + first, di + first, dyp, <usize>k0 << 2, k - k0, rows, cols, rowStep, cellStep)
          }
        } else {
          for (let k = 0; k < c; k++) windowScalar(xi + first, di + first, dyp, <usize>k << 2, rows, cols, rowStep, cellStep)
        }
      }
    }
  }
}

/** One window, channels [k0, k0 + 4) at byte offset `off`; lanes below `skip` were done already (add zeros there). */
// @ts-ignore: decorator
@inline function windowVector(xw: usize, dw: usize, dyp: usize, off: usize, skip: i32, rows: i32, cols: i32, rowStep: usize, cellStep: usize): void {
  let best = v128.load(xw + off)
  let at = i32x4.splat(0)
  let j = 0
  for (let i = 0; i < rows; i++) {
    let p = xw + <usize>i * rowStep + off
    for (let t = 0; t < cols; t++) {
      const v = v128.load(p)
      const m = f32x4.gt(v, best)
      best = v128.bitselect(v, best, m)
      at = v128.bitselect(i32x4.splat(j), at, m)
      p += cellStep
      j++
    }
  }
  let d = v128.load(dyp + off)
  if (skip > 0) d = v128.and(d, i32x4.ge_s(i32x4(0, 1, 2, 3), i32x4.splat(skip)))
  j = 0
  for (let i = 0; i < rows; i++) {
    let p = dw + <usize>i * rowStep + off
    for (let t = 0; t < cols; t++) {
      v128.store(p, f32x4.add(v128.load(p), v128.and(d, i32x4.eq(at, i32x4.splat(j)))))
      p += cellStep
      j++
    }
  }
}

/** One window, the one channel at byte offset `off`. */
// @ts-ignore: decorator
@inline function windowScalar(xw: usize, dw: usize, dyp: usize, off: usize, rows: i32, cols: i32, rowStep: usize, cellStep: usize): void {
  let best = load<f32>(xw + off)
  let at: usize = off
  for (let i = 0; i < rows; i++) {
    let o = <usize>i * rowStep + off
    for (let t = 0; t < cols; t++) {
      const v = load<f32>(xw + o)
      if (v > best) {
        best = v
        at = o
      }
      o += cellStep
    }
  }
  store<f32>(dw + at, load<f32>(dw + at) + load<f32>(dyp + off))
}
