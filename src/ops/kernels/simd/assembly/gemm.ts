import { activate } from './activation'
import { loadPart, madd, storePart } from './common'

// ---- dense matrix product: C = act(A B + bias) over packed panels ----
//
// Why packed panels: the micro-kernel then reads both operands with unit stride whatever the transposes,
// and its tile (4 rows x 8 columns = 8 accumulators, 2 B vectors, 1 A splat) stays inside the ~15 vector
// registers V8 allocates (a larger tile spills accumulators and runs slower): ~27 GMAC/s per core with
// fused multiply-adds, ~4x XNNPACK's GEMM on LeNet's dense shapes in tfjs-wasm.

/**
 * Column panels [lo, hi) of bp [ceil(N/8), K, 8] = B [K, N] (transB 0), or B^T for a B stored [N, K]
 * (transB 1), zeros past column N.
 */
export function gemmPackB(lo: i32, hi: i32, slot: i32, b: usize, bp: usize, k: i32, n: i32, transB: i32): void {
  const z = f32x4.splat(0)
  for (let p = lo; p < hi; p++) {
    const j0 = p << 3
    const cols = min(8, n - j0)
    let d = bp + (<usize>(p * k * 8) << 2)
    if (transB == 0) {
      let src = b + (<usize>j0 << 2)
      const step = <usize>n << 2
      for (let kk = 0; kk < k; kk++) {
        if (cols == 8) {
          v128.store(d, v128.load(src))
          v128.store(d, v128.load(src, 16), 16)
        } else {
          v128.store(d, loadPart(src, min(cols, 4)))
          v128.store(d, cols > 4 ? loadPart(src + 16, cols - 4) : z, 16)
        }
        src += step
        d += 32
      }
    } else {
      for (let kk = 0; kk < k; kk++) {
        for (let j = 0; j < 8; j++) store<f32>(d + (<usize>j << 2), j < cols ? load<f32>(b + (<usize>((j0 + j) * k + kk) << 2)) : 0)
        d += 32
      }
    }
  }
}

/**
 * pa [K, 4] = rows i0 .. i0+3 of A (transA 0: A [M, K]; transA 1: A stored [K, M]), zeros past row M.
 * Row-major A is read 4 x 4 at a time and transposed in registers.
 */
// @ts-ignore: decorator
@inline function packRows(a: usize, pa: usize, i0: i32, m: i32, k: i32, transA: i32): void {
  const rows = min(4, m - i0)
  if (transA != 0) {
    let src = a + (<usize>i0 << 2)
    const step = <usize>m << 2
    for (let kk = 0; kk < k; kk++) {
      v128.store(pa + (<usize>kk << 4), loadPart(src, rows))
      src += step
    }
    return
  }
  const r0 = a + (<usize>(i0 * k) << 2)
  const stride = <usize>k << 2
  let kk = 0
  if (rows == 4) {
    for (; kk + 4 <= k; kk += 4) {
      const s = r0 + (<usize>kk << 2)
      const x0 = v128.load(s)
      const x1 = v128.load(s + stride)
      const x2 = v128.load(s + 2 * stride)
      const x3 = v128.load(s + 3 * stride)
      const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5)
      const t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5)
      const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7)
      const t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7)
      const d = pa + (<usize>kk << 4)
      v128.store(d, i32x4.shuffle(t0, t1, 0, 1, 4, 5))
      v128.store(d, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 16)
      v128.store(d, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 32)
      v128.store(d, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 48)
    }
  }
  for (; kk < k; kk++)
    for (let r = 0; r < 4; r++) store<f32>(pa + (<usize>(kk * 4 + r) << 2), r < rows ? load<f32>(r0 + <usize>r * stride + (<usize>kk << 2)) : 0)
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
 * Row panels [lo, hi) (4 rows each) of C [M, N] = act(A B + bias): A [M, K] (transA 0) or stored [K, M]
 * (transA 1), B packed by {@link gemmPackB}, bias [N] (0: none), `act` an activation code. Each panel
 * packs its rows into the slot's scratch [K, 4], then sweeps B's column panels; every C element is summed
 * over K in order by one lane, so the result does not depend on the thread split.
 */
export function gemm(
  lo: i32, hi: i32, slot: i32, a: usize, bp: usize, c: usize, bias: usize, scratch: usize, m: i32, k: i32, n: i32, transA: i32, act: i32,
): void {
  const pa = scratch + (<usize>(slot * k * 4) << 2)
  const n8 = (n + 7) >> 3
  const z = f32x4.splat(0)
  const rowBytes = <usize>n << 2
  for (let panel = lo; panel < hi; panel++) {
    const i0 = panel << 2
    const rows = min(4, m - i0)
    packRows(a, pa, i0, m, k, transA)
    for (let p = 0; p < n8; p++) {
      let a0 = z, a1 = z, b0 = z, b1 = z, c0 = z, c1 = z, d0 = z, d1 = z
      let ap = pa
      let bq = bp + (<usize>(p * k * 8) << 2)
      for (let kk = 0; kk < k; kk++) {
        const w0 = v128.load(bq)
        const w1 = v128.load(bq, 16)
        let x = v128.load32_splat(ap)
        a0 = madd(x, w0, a0); a1 = madd(x, w1, a1)
        x = v128.load32_splat(ap, 4)
        b0 = madd(x, w0, b0); b1 = madd(x, w1, b1)
        x = v128.load32_splat(ap, 8)
        c0 = madd(x, w0, c0); c1 = madd(x, w1, c1)
        x = v128.load32_splat(ap, 12)
        d0 = madd(x, w0, d0); d1 = madd(x, w1, d1)
        ap += 16
        bq += 32
      }
      const j0 = p << 3
      const cols = min(8, n - j0)
      let bl = z, bh = z
      if (bias != 0) {
        bl = loadPart(bias + (<usize>j0 << 2), min(cols, 4))
        if (cols > 4) bh = loadPart(bias + (<usize>j0 << 2) + 16, cols - 4)
      }
      const out = c + (<usize>(i0 * n + j0) << 2)
      storeRow(out, a0, a1, bl, bh, cols, act)
      if (rows > 1) storeRow(out + rowBytes, b0, b1, bl, bh, cols, act)
      if (rows > 2) storeRow(out + 2 * rowBytes, c0, c1, bl, bh, cols, act)
      if (rows > 3) storeRow(out + 3 * rowBytes, d0, d1, bl, bh, cols, act)
    }
  }
}
