/**
 * ResNet-18 (He et al., 2015), layer for layer torchvision's `resnet18` (11,689,512 parameters with
 * ImageNet's 1000-class head), written with blocks as values: a basic block is
 * `chain(residual(chain(conv, bn, relu(), conv, bn)), relu())`, a downsampling block gives `residual` a
 * projection (1x1 conv with stride 2 and a batch norm, torchvision's `downsample`). Each block's shape rule is
 * the composition of its layers' rules, checked where the block is applied, at any batch name and image size:
 * the same stages type `['N', 3, 224, 224] -> ['N', 1000]` and `['B', 3, 64, 64] -> ['B', 1000]`, and a block
 * function generic over the batch name (`<N extends string>(x: Expr<readonly [N, 64, 56, 56]>) => ...`)
 * type-checks.
 *
 *   stem    conv 7x7/2 3->64, BN, ReLU, max pool 3x3/2   [N, 3, 224, 224] -> [N, 64, 56, 56]
 *   layer1  2 basic blocks, 64                            -> [N, 64, 56, 56]
 *   layer2  down block 64->128 /2, basic block            -> [N, 128, 28, 28]
 *   layer3  down block 128->256 /2, basic block           -> [N, 256, 14, 14]
 *   layer4  down block 256->512 /2, basic block           -> [N, 512, 7, 7]
 *   head    global average pool, linear 512->1000         -> [N, 1000]
 *
 * Parameters are named by place: `layer2.0.0.1.0.weight` is layer2's block 0, its residual (0), the
 * projection (1), its conv (0): torchvision's `layer2.0.downsample.0.weight`.
 */
import * as E from 'fp-ts/lib/Either.js'
import {
  type AnyLayer,
  type Expr,
  type Layer,
  ShapeError,
  batchNorm2d,
  chain,
  conv2d,
  defineLayer,
  linear,
  maxPool2d,
  mk,
  model,
  pipe,
  relu,
  residual,
  showShape,
} from '../src/index.js'
import type { In, ShapeErr, ShapeFn, ShowShape } from '../src/types/index.js'

/** The type-level rule of `globalAvgPool`: [N, C, H, W] -> [N, C]. */
export interface GlobalAvgPoolFn extends ShapeFn {
  readonly out: In<this> extends readonly [infer N, infer C, infer _H, infer _W]
    ? readonly [N, C]
    : ShapeErr<`globalAvgPool expects a 4-D input [N, C, H, W] but got ${ShowShape<In<this>>}`>
}

/**
 * Global average pooling, a user-defined layer (`defineLayer` with a type-level rule and its runtime twin):
 * the mean over each channel's map, [N, C, H, W] -> [N, C] (torchvision's `AdaptiveAvgPool2d(1)` + flatten),
 * at any map size.
 */
export const globalAvgPool = (): Layer<GlobalAvgPoolFn, Record<never, never>> =>
  defineLayer({
    kind: 'GlobalAvgPool',
    describe: 'AdaptiveAvgPool2d(output_size=(1, 1)) + Flatten',
    params: {},
    outShape: (x) =>
      x.length === 4
        ? E.right([x[0]!, x[1]!])
        : E.left(new ShapeError('globalAvgPool', `globalAvgPool expects a 4-D input [N, C, H, W] but got ${showShape(x)}`, [x])),
    build: (x) => mk('mean', [x], { axes: [2, 3], keepDims: false }),
  })

// torchvision's convs have no bias (a batch norm follows) and Kaiming-normal weights.
const k3 = { kernel: 3, padding: 1, bias: false, init: 'kaimingNormal' } as const
const k3s2 = { kernel: 3, stride: 2, padding: 1, bias: false, init: 'kaimingNormal' } as const
const k1s2 = { kernel: 1, stride: 2, bias: false, init: 'kaimingNormal' } as const

/** A basic block, relu(x + bn(conv(relu(bn(conv(x)))))), with a projection for x when the convs downsample. */
const basic = <C1 extends AnyLayer, B1 extends AnyLayer, C2 extends AnyLayer, B2 extends AnyLayer>(conv1: C1, bn1: B1, conv2: C2, bn2: B2) =>
  chain(residual(chain(conv1, bn1, relu(), conv2, bn2)), relu())
const down = <C1 extends AnyLayer, B1 extends AnyLayer, C2 extends AnyLayer, B2 extends AnyLayer, P extends AnyLayer>(
  conv1: C1,
  bn1: B1,
  conv2: C2,
  bn2: B2,
  projection: P,
) => chain(residual(chain(conv1, bn1, relu(), conv2, bn2), projection), relu())

export const stem = chain(
  conv2d(3, 64, { kernel: 7, stride: 2, padding: 3, bias: false, init: 'kaimingNormal' }),
  batchNorm2d(64),
  relu(),
  maxPool2d({ kernel: 3, stride: 2, padding: 1 }),
).named('stem')

export const layer1 = chain(
  basic(conv2d(64, 64, k3), batchNorm2d(64), conv2d(64, 64, k3), batchNorm2d(64)),
  basic(conv2d(64, 64, k3), batchNorm2d(64), conv2d(64, 64, k3), batchNorm2d(64)),
).named('layer1')

export const layer2 = chain(
  down(conv2d(64, 128, k3s2), batchNorm2d(128), conv2d(128, 128, k3), batchNorm2d(128), chain(conv2d(64, 128, k1s2), batchNorm2d(128))),
  basic(conv2d(128, 128, k3), batchNorm2d(128), conv2d(128, 128, k3), batchNorm2d(128)),
).named('layer2')

export const layer3 = chain(
  down(conv2d(128, 256, k3s2), batchNorm2d(256), conv2d(256, 256, k3), batchNorm2d(256), chain(conv2d(128, 256, k1s2), batchNorm2d(256))),
  basic(conv2d(256, 256, k3), batchNorm2d(256), conv2d(256, 256, k3), batchNorm2d(256)),
).named('layer3')

export const layer4 = chain(
  down(conv2d(256, 512, k3s2), batchNorm2d(512), conv2d(512, 512, k3), batchNorm2d(512), chain(conv2d(256, 512, k1s2), batchNorm2d(512))),
  basic(conv2d(512, 512, k3), batchNorm2d(512), conv2d(512, 512, k3), batchNorm2d(512)),
).named('layer4')

export const head = chain(globalAvgPool(), linear(512, 1000, { init: 'torchDefault' })).named('fc')

/** ResNet-18 on ImageNet-sized batches. Hover: `Model<readonly ["N", 3, 224, 224], readonly ["N", 1000], NamedParams>`. */
export const resnet18 = model(['N', 3, 224, 224], (x) => pipe(x, stem, layer1, layer2, layer3, layer4, head))

/** The same network on small images with another batch name: the blocks are checked again, at this size. */
export const resnet18Small = model(['B', 3, 64, 64], (x) => pipe(x, stem, layer1, layer2, layer3, layer4, head))

/** A function generic over the batch name: the stages type-check for any `N`. */
export const features = <N extends string>(x: Expr<readonly [N, 64, 56, 56]>) => pipe(x, layer1, layer2, layer3, layer4)

export default resnet18
