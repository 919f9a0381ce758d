import { describe, expect, it } from 'vitest'
import { squareToQuad, type Quad } from '../../demo/ocr/geometry.js'
import {
  blankPixels,
  classifierInput,
  cropQuad,
  detectionInput,
  detectionSize,
  onWhite,
  recognizerInput,
  recognizerWidth,
  resize,
  rotate180,
  rotate90,
  type Pixels,
} from '../../demo/ocr/preprocess.js'

/** An opaque image whose pixel (x, y) has the colour `color(x, y)`. */
function paint(
  width: number,
  height: number,
  color: (x: number, y: number) => readonly [number, number, number],
): Pixels {
  const image = blankPixels(width, height)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) image.data.set([...color(x, y), 255], (y * width + x) * 4)
  }
  return image
}

const red = (image: Pixels, x: number, y: number) => image.data[(y * image.width + x) * 4]!

describe('resize', () => {
  it('upsamples as OpenCV INTER_LINEAR does, pixel centres aligned and edges held', () => {
    const row = paint(2, 1, (x) => [x * 100, 0, 0])
    const wide = resize(row, 4, 1)
    expect([0, 1, 2, 3].map((x) => red(wide, x, 0))).toEqual([0, 25, 75, 100])
  })

  it('halves by averaging each pair, and keeps an image already at the size as it is', () => {
    const row = paint(4, 2, (x, y) => [x * 40 + y * 10, 0, 0])
    const half = resize(row, 2, 1)
    expect([red(half, 0, 0), red(half, 1, 0)]).toEqual([25, 105]) // (0 + 40 + 10 + 50) / 4, (80 + 120 + 90 + 130) / 4
    expect(resize(row, 4, 2)).toBe(row)
    expect(() => resize(row, 0, 3)).toThrow(/positive whole size/)
  })
})

describe('detection input', () => {
  it('snaps each side to a multiple of 32 and limits the longer side, never enlarging', () => {
    expect(detectionSize(100, 50)).toEqual({ width: 96, height: 64 })
    expect(detectionSize(2000, 1000)).toEqual({ width: 960, height: 480 })
    expect(detectionSize(1000, 3000)).toEqual({ width: 320, height: 960 })
    expect(detectionSize(10, 10)).toEqual({ width: 32, height: 32 })
    expect(detectionSize(1200, 900, 1280)).toEqual({ width: 1216, height: 896 })
  })

  it('is CHW float32 in BGR order, normalised with ImageNet mean and std per channel', () => {
    const { x, width, height } = detectionInput(paint(64, 40, () => [255, 128, 0]))
    expect([width, height]).toEqual([64, 32])
    expect(x.dims).toEqual([1, 3, 32, 64])
    const plane = 32 * 64
    const at = (channel: number) => x.data[channel * plane + 100]!
    expect(at(0)).toBeCloseTo((0 - 0.485) / 0.229, 5) // blue
    expect(at(1)).toBeCloseTo((128 / 255 - 0.456) / 0.224, 5) // green
    expect(at(2)).toBeCloseTo((1 - 0.406) / 0.225, 5) // red
  })
})

describe('transparency', () => {
  it('composites onto white, and leaves an opaque image alone', () => {
    const image = blankPixels(2, 1)
    image.data.set([0, 0, 0, 128, 10, 20, 30, 0])
    expect([...onWhite(image).data]).toEqual([127, 127, 127, 255, 255, 255, 255, 255])
    const opaque = paint(2, 2, () => [1, 2, 3])
    expect(onWhite(opaque)).toBe(opaque)
  })
})

describe('square to quad', () => {
  it('sends the unit square’s corners to the quad’s, for any convex quad', () => {
    const quads: Quad[] = [
      [
        [10, 5],
        [30, 5],
        [30, 15],
        [10, 15],
      ],
      [
        [0, 0],
        [40, 10],
        [35, 30],
        [5, 20],
      ], // a parallelogram would be affine; this one is projective
      [
        [3, 7],
        [50, 2],
        [61, 40],
        [1, 33],
      ],
    ]
    for (const quad of quads) {
      const map = squareToQuad(quad)
      const corners = [map(0, 0), map(1, 0), map(1, 1), map(0, 1)]
      corners.forEach((p, i) => {
        expect(p[0]).toBeCloseTo(quad[i]![0], 9)
        expect(p[1]).toBeCloseTo(quad[i]![1], 9)
      })
    }
  })

  it('maps a degenerate quad, three corners on one line, onto the parallelogram on its first corners', () => {
    const map = squareToQuad([
      [0, 0],
      [10, 0],
      [10, 10],
      [10, 20],
    ])
    expect(map(1, 1)).toEqual([20, 20])
    expect(map(0.5, 0.5)).toEqual([10, 10])
  })

  it('maps straight lines to straight lines (the middle of the square to where the diagonals cross)', () => {
    const quad: Quad = [
      [0, 0],
      [40, 10],
      [35, 30],
      [5, 20],
    ]
    const [cx, cy] = squareToQuad(quad)(0.5, 0.5)
    // The diagonals p0–p2 and p1–p3 cross where both line equations hold.
    const onDiagonal = (a: readonly number[], b: readonly number[]) =>
      (b[0]! - a[0]!) * (cy - a[1]!) - (b[1]! - a[1]!) * (cx - a[0]!)
    expect(onDiagonal(quad[0], quad[2])).toBeCloseTo(0, 9)
    expect(onDiagonal(quad[1], quad[3])).toBeCloseTo(0, 9)
  })
})

describe('cropping a text box', () => {
  it('cuts an axis-aligned box out pixel for pixel', () => {
    const image = paint(50, 30, (x, y) => [x, y, 0])
    const crop = cropQuad(image, [
      [10, 5],
      [30, 5],
      [30, 15],
      [10, 15],
    ])
    expect([crop.width, crop.height]).toEqual([20, 10])
    for (const [x, y] of [
      [0, 0],
      [19, 9],
      [7, 3],
    ] as const) {
      expect([...crop.data.subarray((y * 20 + x) * 4, (y * 20 + x) * 4 + 3)]).toEqual([10 + x, 5 + y, 0])
    }
  })

  it('straightens a rotated box: what was along its length runs left to right', () => {
    // A 120×24 band at 25°, red in its first half and blue in its second, on white.
    const [cx, cy, angle] = [80, 60, (25 * Math.PI) / 180]
    const [c, s] = [Math.cos(angle), Math.sin(angle)]
    const image = paint(160, 120, (x, y) => {
      const u = (x - cx) * c + (y - cy) * s
      const v = -(x - cx) * s + (y - cy) * c
      if (Math.abs(u) > 60 || Math.abs(v) > 12) return [255, 255, 255]
      return u < 0 ? [255, 0, 0] : [0, 0, 255]
    })
    const corner = (u: number, v: number) => [cx + u * c - v * s, cy + u * s + v * c] as const
    const crop = cropQuad(image, [corner(-60, -12), corner(60, -12), corner(60, 12), corner(-60, 12)])
    expect(crop.width).toBe(120)
    expect(crop.height).toBe(24)
    const colour = (x: number, y: number) => [
      ...crop.data.subarray((y * crop.width + x) * 4, (y * crop.width + x) * 4 + 3),
    ]
    expect(colour(20, 12)).toEqual([255, 0, 0])
    expect(colour(100, 12)).toEqual([0, 0, 255])
    expect(colour(30, 3)).toEqual([255, 0, 0])
  })

  it('turns a box at least 1.5 times taller than wide a quarter turn counter-clockwise', () => {
    // A 10×30 column, red at the top, black below.
    const image = paint(40, 50, (x, y) => (y < 20 ? [255, 0, 0] : [0, 0, 0]))
    const crop = cropQuad(image, [
      [10, 10],
      [20, 10],
      [20, 40],
      [10, 40],
    ])
    expect([crop.width, crop.height]).toEqual([30, 10])
    expect(red(crop, 2, 5)).toBe(255) // the top went to the left
    expect(red(crop, 27, 5)).toBe(0)
  })
})

describe('rotations', () => {
  // 3×2:  a b c
  //       d e f
  const letters = paint(3, 2, (x, y) => [y * 3 + x, 0, 0])
  const reds = (image: Pixels) =>
    Array.from({ length: image.height }, (_, y) => Array.from({ length: image.width }, (_, x) => red(image, x, y)))

  it('rotate90 turns counter-clockwise, as numpy’s rot90', () => {
    expect(reds(rotate90(letters))).toEqual([
      [2, 5],
      [1, 4],
      [0, 3],
    ])
  })

  it('rotate180 turns the image over', () => {
    expect(reds(rotate180(letters))).toEqual([
      [5, 4, 3],
      [2, 1, 0],
    ])
    expect(rotate180(rotate180(letters)).data).toEqual(letters.data)
  })
})

describe('line inputs', () => {
  it('the classifier takes 48×192: the line scaled to height 48, scaled to [−1, 1], padded with zeros', () => {
    const x = classifierInput(paint(20, 10, () => [255, 255, 255])) // aspect 2: 96 pixels wide at height 48
    expect(x.dims).toEqual([1, 3, 48, 192])
    const at = (c: number, y: number, col: number) => x.data[c * 48 * 192 + y * 192 + col]!
    expect([at(0, 0, 0), at(2, 47, 95)]).toEqual([1, 1])
    expect([at(0, 0, 96), at(1, 20, 191)]).toEqual([0, 0])
    const black = classifierInput(paint(400, 10, () => [0, 0, 0])) // far wider than 192: squeezed to fit
    expect(black.data.every((v) => v === -1)).toBe(true)
  })

  it('the recogniser fits a line to the nearest of a few widths (by ratio), at least 320', () => {
    const line = (naturalWidth: number) => paint(naturalWidth, 48, () => [0, 0, 0])
    expect(recognizerWidth(line(100))).toBe(320)
    expect(recognizerWidth(line(350))).toBe(320) // squeezed by 9%
    expect(recognizerWidth(line(370))).toBe(400) // padded by 8%
    expect(recognizerWidth(line(502))).toBe(496)
    expect(recognizerWidth(line(5000))).toBe(2976)
    expect(
      recognizerWidth(
        paint(100, 10, () => [0, 0, 0]),
        [320, 640],
      ),
    ).toBe(640) // 480 at height 48
    const x = recognizerInput(line(370))
    expect(x.dims).toEqual([1, 3, 48, 400])
    const at = (col: number) => x.data[10 * 400 + col]!
    expect([at(0), at(369), at(370), at(399)]).toEqual([-1, -1, 0, 0])
  })
})
