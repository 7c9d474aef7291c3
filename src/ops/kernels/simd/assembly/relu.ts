// ---- relu and its gradient, elementwise over flat float32 tensors ----

/** Elements per work item of the relu kernels. */
const RELU_BLOCK = 4096

/** Blocks [lo, hi) of RELU_BLOCK elements of x [len]: y = max(x, 0). */
export function relu(lo: i32, hi: i32, slot: i32, x: usize, y: usize, len: i32): void {
  const z = f32x4.splat(0)
  const end = min(len, hi * RELU_BLOCK)
  let i = lo * RELU_BLOCK
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2
    v128.store(y + o, f32x4.max(v128.load(x + o), z))
  }
  for (; i < end; i++) {
    const o = <usize>i << 2
    store<f32>(y + o, max(load<f32>(x + o), 0))
  }
}

/**
 * Blocks [lo, hi) of RELU_BLOCK elements: dx = dy * (y > 0 ? 1 : 0) (a multiply, not a select, so
 * that a NaN or infinite dy stays NaN where y <= 0, as tfjs's mul(dy, step(y)) gives).
 */
export function reluGrad(lo: i32, hi: i32, slot: i32, y: usize, dy: usize, dx: usize, len: i32): void {
  const z = f32x4.splat(0)
  const one = f32x4.splat(1)
  const end = min(len, hi * RELU_BLOCK)
  let i = lo * RELU_BLOCK
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i << 2
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), v128.and(f32x4.gt(v128.load(y + o), z), one)))
  }
  for (; i < end; i++) {
    const o = <usize>i << 2
    store<f32>(dx + o, load<f32>(dy + o) * (load<f32>(y + o) > 0 ? <f32>1 : <f32>0))
  }
}
