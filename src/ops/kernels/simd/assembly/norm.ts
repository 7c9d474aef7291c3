// ---- batch normalization over channel-last tensors viewed as [R, F] (F a multiple of the channel count C) ----

/** Rows per block of channelMoments: each block's float32 partial sums flush into float64. */
const MOMENT_ROWS = 16

/** acc[0..2) += the low two lanes of v, acc[2..4) += the high two, in float64. */
// @ts-ignore: decorator
@inline function flush64(acc: usize, v: v128): void {
  v128.store(acc, f64x2.add(v128.load(acc), f64x2.promote_low_f32x4(v)))
  v128.store(acc, f64x2.add(v128.load(acc, 16), f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1))), 16)
}

/**
 * Items [lo, hi) of x [R, F] (and dy [R, F] when dy != 0), item i the rows [i * perItem, (i + 1) * perItem):
 * per column j, with v = x - shift[j], the sums of v and v^2 (and of dy and dy * v). Blocks of
 * MOMENT_ROWS rows sum in float32 registers down their columns (a block is one contiguous stretch of
 * memory), then add into item i's float64 scratch slot [4 sums, F] (sum v, sum v^2, sum dy, sum dy*v),
 * which the caller folds over the items and the columns of each channel: the sums do not depend on
 * which thread ran which item. `shift` [F] repeats one value per channel (row 0 of x), so large means
 * do not cancel in the variance.
 */
export function channelMoments(lo: i32, hi: i32, slot: i32, x: usize, dy: usize, shift: usize, scratch: usize, f: i32, rows: i32, perItem: i32): void {
  for (let item = lo; item < hi; item++) {
    const end = min(rows, (item + 1) * perItem)
    const acc = scratch + (<usize>(item * 4 * f) << 3)
    // each item owns its slot: start from zero, so a range can be rerun (heap-threads.ts redoes a failed job)
    memory.fill(acc, 0, <usize>(4 * f) << 3)
    for (let r0 = item * perItem; r0 < end; r0 += MOMENT_ROWS) momentBlock(x, dy, shift, acc, f, r0, min(MOMENT_ROWS, end - r0))
  }
}

/** Rows [r0, r0 + n) of channelMoments, added into the float64 sums at acc. */
// @ts-ignore: decorator
@inline function momentBlock(x: usize, dy: usize, shift: usize, acc: usize, f: i32, r0: i32, n: i32): void {
  const stat = <usize>f << 3
  const rowBytes = <usize>f << 2
  const xb = x + (<usize>r0 * rowBytes)
  const db = dy + (<usize>r0 * rowBytes)
  let i = 0
  for (; i + 4 <= f; i += 4) {
    const o = <usize>i << 2
    const s = v128.load(shift + o)
    let s1 = f32x4.splat(0), s2 = f32x4.splat(0), sd = f32x4.splat(0), sdx = f32x4.splat(0)
    let p = xb + o
    if (dy != 0) {
      let q = db + o
      for (let r = 0; r < n; r++) {
        const v = f32x4.sub(v128.load(p), s)
        const d = v128.load(q)
        s1 = f32x4.add(s1, v)
        s2 = f32x4.add(s2, f32x4.mul(v, v))
        sd = f32x4.add(sd, d)
        sdx = f32x4.add(sdx, f32x4.mul(d, v))
        p += rowBytes
        q += rowBytes
      }
    } else {
      for (let r = 0; r < n; r++) {
        const v = f32x4.sub(v128.load(p), s)
        s1 = f32x4.add(s1, v)
        s2 = f32x4.add(s2, f32x4.mul(v, v))
        p += rowBytes
      }
    }
    const a = acc + (<usize>i << 3)
    flush64(a, s1)
    flush64(a + stat, s2)
    if (dy != 0) {
      flush64(a + 2 * stat, sd)
      flush64(a + 3 * stat, sdx)
    }
  }
  for (; i < f; i++) {
    const o = <usize>i << 2
    const s = load<f32>(shift + o)
    let s1: f32 = 0, s2: f32 = 0, sd: f32 = 0, sdx: f32 = 0
    for (let r = 0; r < n; r++) {
      const at = <usize>r * rowBytes + o
      const v = load<f32>(xb + at) - s
      s1 += v
      s2 += v * v
      if (dy != 0) {
        const d = load<f32>(db + at)
        sd += d
        sdx += d * v
      }
    }
    const a = acc + (<usize>i << 3)
    store<f64>(a, load<f64>(a) + <f64>s1)
    store<f64>(a + stat, load<f64>(a + stat) + <f64>s2)
    if (dy != 0) {
      store<f64>(a + 2 * stat, load<f64>(a + 2 * stat) + <f64>sd)
      store<f64>(a + 3 * stat, load<f64>(a + 3 * stat) + <f64>sdx)
    }
  }
}

/**
 * Rows [lo, hi) of y [R, F] = x * coef[1] + coef[2] (dy == 0), or dy * coef[0] + x * coef[1] + coef[2]:
 * coef [3, F] holds per-column factors (each channel's repeated), the normalization's or its gradient's.
 */
export function channelAffine(lo: i32, hi: i32, slot: i32, x: usize, dy: usize, coef: usize, y: usize, f: i32): void {
  const rowBytes = <usize>f << 2
  const ca = coef
  const cb = coef + rowBytes
  const cc = coef + 2 * rowBytes
  for (let r = lo; r < hi; r++) {
    const base = <usize>r * rowBytes
    const xr = x + base
    const dr = dy + base
    const yr = y + base
    let i = 0
    for (; i + 4 <= f; i += 4) {
      const o = <usize>i << 2
      let v = f32x4.add(f32x4.mul(v128.load(xr + o), v128.load(cb + o)), v128.load(cc + o))
      if (dy != 0) v = f32x4.add(f32x4.mul(v128.load(dr + o), v128.load(ca + o)), v)
      v128.store(yr + o, v)
    }
    for (; i < f; i++) {
      const o = <usize>i << 2
      let v = load<f32>(xr + o) * load<f32>(cb + o) + load<f32>(cc + o)
      if (dy != 0) v = load<f32>(dr + o) * load<f32>(ca + o) + v
      store<f32>(yr + o, v)
    }
  }
}
