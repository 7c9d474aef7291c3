// Activations applied in registers by the kernels that fuse one (their `act` argument takes these codes).

export const LINEAR = 0
export const RELU = 1
export const SIGMOID = 2

/**
 * e^x for four lanes: 2^n * p(r) with n = round(x / ln 2), r = x - n ln 2 (two-part ln 2), p the
 * degree-6 Taylor polynomial (|r| <= 0.347: relative error under 2e-7); x is clamped to [-87.3, 88],
 * where e^x stays a normal float. n is rounded by adding 1.5 * 2^23 + 127: the sum's low mantissa bits
 * are then n + 127, which shifted into the exponent field are 2^n (no float-to-int conversion).
 */
// @ts-ignore: decorator
@inline export function exp4(x: v128): v128 {
  const magic = f32x4.splat(12583039.0) // 1.5 * 2^23 + 127
  const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.3)), f32x4.splat(88.0))
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(1.44269504)), magic)
  const n = f32x4.sub(t, magic)
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375))), f32x4.mul(n, f32x4.splat(-2.12194440e-4)))
  let p = f32x4.splat(1.0 / 720.0)
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0))
  return f32x4.mul(p, i32x4.shl(t, 23))
}

/** act(v) for the codes above (anything else: linear). */
// @ts-ignore: decorator
@inline export function activate(v: v128, act: i32): v128 {
  if (act == RELU) return f32x4.max(v, f32x4.splat(0))
  if (act == SIGMOID) {
    const one = f32x4.splat(1.0)
    return f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(v))))
  }
  return v
}
