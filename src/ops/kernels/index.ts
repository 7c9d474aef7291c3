/** Gradient building blocks over tfjs-core tensors (NHWC, HWIO filters) for the lowering. */
export { conv2dFilterGrad } from './conv2d-filter-grad.js'
export { conv2dInputGrad } from './conv2d-input-grad.js'
export { avgPool2dGrad, upsampleBlocks } from './avg-pool2d-grad.js'
export { maxPool2dGrad } from './max-pool2d-grad.js'
export { pooledSigmoidGrad, sigmoidGradFromOutput } from './sigmoid-grad.js'
export { softmaxCrossEntropy, type SoftmaxCrossEntropy } from './softmax-cross-entropy.js'
export { convGeometry, interleaveZeros, pair, type ConvPad, type Pair, type ConvGeometry } from './conv-geometry.js'
export { columnSums } from './column-sums.js'
export { conv2dOneChannel, conv2dOneChannelPooled } from './conv2d-one-channel.js'
export { conv2dTiled, conv2dTiledPooled } from './conv2d-tiles.js'
export { simdMatMul } from './gemm.js'
export { bytesOnHeap, gatherScaledRows, type HeapBytes } from './gather-bytes.js'
export { poolTiles } from './pool-tiles.js'
export {
  pooledSigmoidGradWithBias,
  sigmoidGradWithBias,
  type PooledSigmoidGrads,
  type SigmoidBiasGrads,
} from './sigmoid-grad.js'
export { prepareSimd } from './simd/module.js'
