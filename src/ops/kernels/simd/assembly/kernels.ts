// SIMD128 kernels over tfjs-backend-wasm's heap (AssemblyScript; built by scripts/build-kernels.mjs).
// Every pointer is a byte offset into the imported (shared) memory; every tensor is float32, row-major.
// Every exported kernel is `(lo, hi, slot, ...args)`: it does work items [lo, hi), one of the up to 16
// ranges a call is cut into (two threads claim them, heap-threads.ts); `slot` is the range's index and
// picks the rows of the scratch buffer where its partial sums go, which the caller reduces in slot
// order: the result is bitwise the same on one thread or two. No static data, no allocation:
// the module must not write anywhere but the pointers it is given.

export * from './sigmoid'
export * from './conv-filter-grad'
export * from './conv-one-channel'
export * from './conv-input-grad'
export * from './count-invalid'
export * from './pool-tiles'
export * from './gemm'
export * from './conv-tiles'
export * from './program'
export * from './gather'
export * from './norm'
export * from './relu'
export * from './pool'
