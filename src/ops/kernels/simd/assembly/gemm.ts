import { LINEAR, SIGMOID, sigmoidInPlace, storeTile4x8 } from './activation'
import { loadPart, madd, transposeStore } from './common'

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
      transposeStore(pa + (<usize>kk << 4), v128.load(s), v128.load(s + stride), v128.load(s + 2 * stride), v128.load(s + 3 * stride))
    }
  }
  for (; kk < k; kk++)
    for (let r = 0; r < 4; r++) store<f32>(pa + (<usize>(kk * 4 + r) << 2), r < rows ? load<f32>(r0 + <usize>r * stride + (<usize>kk << 2)) : 0)
}

/**
 * One 4 x 8 tile of act(A B + bias): A's 4 rows packed as pa [K, 4], B's 8 columns as bq [K, 8]; rows r <
 * `rows` go to out + (r & 1) * rowStep + (r >> 1) * pairStep (see storeTile4x8), their first `cols`
 * columns (bias[j0 ..], bias 0: none).
 */
// @ts-ignore: decorator
@inline export function tile4x8(pa: usize, bq: usize, k: i32, out: usize, rowStep: usize, pairStep: usize, rows: i32, cols: i32, bias: usize, j0: i32, act: i32): void {
  const z = f32x4.splat(0)
  let a0 = z, a1 = z, b0 = z, b1 = z, c0 = z, c1 = z, d0 = z, d1 = z
  let ap = pa
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
  storeTile4x8(out, rowStep, pairStep, rows, cols, bias, j0, act, a0, a1, b0, b1, c0, c1, d0, d1)
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
  const rowBytes = <usize>n << 2
  // sigmoid runs as a pass over the panel's rows (its polynomial's dependency chains would hold up the tiles)
  const tileAct = act == SIGMOID ? LINEAR : act
  for (let panel = lo; panel < hi; panel++) {
    const i0 = panel << 2
    const rows = min(4, m - i0)
    packRows(a, pa, i0, m, k, transA)
    for (let p = 0; p < n8; p++) {
      const j0 = p << 3
      tile4x8(pa, bp + (<usize>(p * k * 8) << 2), k, c + (<usize>(i0 * n + j0) << 2), rowBytes, 2 * rowBytes, rows, min(8, n - j0), bias, j0, tileAct)
    }
    // the panel's rows are contiguous and still in L1
    if (act == SIGMOID) sigmoidInPlace(c + (<usize>(i0 * n) << 2), rows * n)
  }
}
