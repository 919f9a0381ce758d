import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  convexHull,
  minAreaRect,
  orderCorners,
  rectCorners,
  type Point,
  type Quad,
  type RotatedRect,
} from '../../demo/ocr/geometry.js'
import {
  boxesFromMap,
  boxScore,
  ctcDecode,
  detectText,
  DETECTION_DEFAULTS,
  isUpsideDown,
  orientations,
  parseKeys,
  readingOrder,
  recognitionClasses,
  regionOutlines,
  scaleBoxes,
  unclip,
  type TextBox,
} from '../../demo/ocr/postprocess.js'
import { tensor } from '../../src/tensor/tensor.js'

const rad = (degrees: number) => (degrees * Math.PI) / 180

/** The rectangle's angle folded into [0°, 90°): a rectangle at 30° is also one at 120°, sides swapped. */
const foldedDegrees = (rect: RotatedRect) => ((((rect.angle * 180) / Math.PI) % 90) + 90) % 90
const sides = (rect: RotatedRect) => [rect.width, rect.height].sort((a, b) => b - a)

function expectPoint(actual: Point, expected: Point, digits = 6) {
  expect(actual[0]).toBeCloseTo(expected[0], digits)
  expect(actual[1]).toBeCloseTo(expected[1], digits)
}

/** A probability map with `value` on every pixel whose centre `inside` accepts, 0.02 elsewhere. */
function mapOf(width: number, height: number, regions: { inside: (x: number, y: number) => boolean; value: number }[]) {
  const map = new Float32Array(width * height).fill(0.02)
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) for (const r of regions) if (r.inside(x, y)) map[y * width + x] = r.value
  return map
}
const block = (x0: number, y0: number, x1: number, y1: number, value = 0.9) => ({
  inside: (x: number, y: number) => x >= x0 && x <= x1 && y >= y0 && y <= y1,
  value,
})

describe('convex hull and minimum-area rectangle', () => {
  it('the hull of a square with points inside and on its edges is its four corners', () => {
    const points: Point[] = [
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 10],
      [5, 5],
      [5, 0],
      [10, 3],
      [2, 8],
    ]
    expect(
      convexHull(points)
        .map((p) => p.join(','))
        .sort(),
    ).toEqual(['0,0', '0,10', '10,0', '10,10'])
  })

  it('finds an axis-aligned rectangle exactly', () => {
    const rect = minAreaRect([
      [2, 3],
      [42, 3],
      [42, 13],
      [2, 13],
      [20, 8],
    ])
    expect(sides(rect)).toEqual([40, 10])
    expectPoint(rect.center, [22, 8])
    expect(foldedDegrees(rect)).toBeCloseTo(0, 9)
  })

  it('finds a rotated rectangle from its corners and points inside it', () => {
    const truth: RotatedRect = { center: [50, 40], width: 60, height: 14, angle: rad(30) }
    const inside: Point[] = [
      [-20, 3],
      [10, -5],
      [25, 6],
      [0, 0],
    ].map(([u, v]) => [
      50 + u! * Math.cos(rad(30)) - v! * Math.sin(rad(30)),
      40 + u! * Math.sin(rad(30)) + v! * Math.cos(rad(30)),
    ])
    const rect = minAreaRect([...rectCorners(truth), ...inside])
    expect(sides(rect)[0]).toBeCloseTo(60, 9)
    expect(sides(rect)[1]).toBeCloseTo(14, 9)
    expectPoint(rect.center, [50, 40])
    expect(foldedDegrees(rect)).toBeCloseTo(30, 9)
  })

  it('handles one point, and points on one line', () => {
    expect(minAreaRect([[3, 4]])).toEqual({ center: [3, 4], width: 0, height: 0, angle: 0 })
    const line = minAreaRect([
      [0, 0],
      [3, 4],
      [6, 8],
      [1.5, 2],
    ])
    expect([line.width, line.height]).toEqual([10, 0])
    expectPoint(line.center, [3, 4])
    expect(() => minAreaRect([])).toThrow(/at least one point/)
  })

  it('rotating calipers agree with trying every hull edge, and the rectangle holds every point', () => {
    const point = fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 })) as fc.Arbitrary<Point>
    fc.assert(
      fc.property(fc.array(point, { minLength: 3, maxLength: 40 }), (points) => {
        const hull = convexHull(points)
        fc.pre(hull.length >= 3)
        let best = Infinity
        for (let i = 0; i < hull.length; i++) {
          const [a, b] = [hull[i]!, hull[(i + 1) % hull.length]!]
          const length = Math.hypot(b[0] - a[0], b[1] - a[1])
          const [ux, uy] = [(b[0] - a[0]) / length, (b[1] - a[1]) / length]
          const along = hull.map((p) => p[0] * ux + p[1] * uy)
          const across = hull.map((p) => -p[0] * uy + p[1] * ux)
          best = Math.min(best, (Math.max(...along) - Math.min(...along)) * (Math.max(...across) - Math.min(...across)))
        }
        const rect = minAreaRect(points)
        expect(rect.width * rect.height).toBeCloseTo(best, 6)
        const [c, s] = [Math.cos(rect.angle), Math.sin(rect.angle)]
        for (const [x, y] of points) {
          const [dx, dy] = [x - rect.center[0], y - rect.center[1]]
          expect(Math.abs(dx * c + dy * s)).toBeLessThanOrEqual(rect.width / 2 + 1e-6)
          expect(Math.abs(-dx * s + dy * c)).toBeLessThanOrEqual(rect.height / 2 + 1e-6)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('orders corners as PaddleOCR does: top-left, top-right, bottom-right, bottom-left', () => {
    const [tl, tr, br, bl]: Quad = [
      [10, 12],
      [90, 2],
      [92, 22],
      [12, 32],
    ]
    expect(orderCorners([br, tl, bl, tr])).toEqual([tl, tr, br, bl])
    expect(
      orderCorners([
        [5, 5],
        [0, 0],
        [5, 0],
        [0, 5],
      ]),
    ).toEqual([
      [0, 0],
      [5, 0],
      [5, 5],
      [0, 5],
    ])
  })
})

describe('DB post-processing', () => {
  it('grows a rectangle by area × ratio / perimeter on every side', () => {
    const rect: RotatedRect = { center: [50, 20], width: 100, height: 20, angle: rad(10) }
    const grown = unclip(rect, 1.5) // 2000 × 1.5 / 240 = 12.5
    expect(grown).toEqual({ ...rect, width: 125, height: 45 })
    expect(unclip({ center: [0, 0], width: 0, height: 0, angle: 0 }, 2)).toEqual({
      center: [0, 0],
      width: 0,
      height: 0,
      angle: 0,
    })
  })

  it('takes 8-connected regions: pixels touching at a corner are one region', () => {
    const mask = new Uint8Array([1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0])
    const regions = regionOutlines(mask, 5, 4)
    expect(regions.map((r) => r.map((p) => p.join(',')).sort())).toEqual([
      ['0,0', '1,1'],
      ['4,0', '4,1'],
      ['0,3', '1,3'],
    ])
    expect(regionOutlines(mask, 5, 4, 2)).toHaveLength(2)
  })

  it('scores a box by the mean probability of the pixels inside it', () => {
    const map = mapOf(20, 10, [block(5, 2, 14, 6, 0.8)])
    expect(
      boxScore(map, 20, 10, [
        [5, 2],
        [14, 2],
        [14, 6],
        [5, 6],
      ]),
    ).toBeCloseTo(0.8, 6)
    const wider = boxScore(map, 20, 10, [
      [0, 0],
      [19, 0],
      [19, 9],
      [0, 9],
    ])
    expect(wider).toBeCloseTo((50 * 0.8 + 150 * 0.02) / 200, 6)
  })

  it('finds two rectangles where they are, each grown by its unclip offset', () => {
    const map = mapOf(200, 100, [block(20, 10, 120, 30), block(40, 60, 80, 75)])
    const boxes = boxesFromMap(map, 200, 100)
    expect(boxes).toHaveLength(2)
    // Pixel centres 20..120 × 10..30: a 100 × 20 rectangle; offset 2000 × 1.8 / 240 = 15.
    const d1 = (100 * 20 * DETECTION_DEFAULTS.unclipRatio) / 240
    const expected1: Quad = [
      [20 - d1, 10 - d1],
      [120 + d1, 10 - d1],
      [120 + d1, 30 + d1],
      [20 - d1, 30 + d1],
    ]
    boxes[0]!.quad.forEach((p, i) => expectPoint(p, expected1[i]!))
    expect(boxes[0]!.score).toBeCloseTo(0.9, 6)
    const d2 = (40 * 15 * DETECTION_DEFAULTS.unclipRatio) / 110
    expectPoint(boxes[1]!.quad[0], [40 - d2, 60 - d2])
    expectPoint(boxes[1]!.quad[2], [80 + d2, 75 + d2])
  })

  it('finds a rotated rectangle at its angle', () => {
    const [cx, cy, w, h, angle] = [100, 60, 120, 20, rad(20)]
    const inside = (x: number, y: number) => {
      const [dx, dy] = [x - cx, y - cy]
      return (
        Math.abs(dx * Math.cos(angle) + dy * Math.sin(angle)) <= w / 2 &&
        Math.abs(-dx * Math.sin(angle) + dy * Math.cos(angle)) <= h / 2
      )
    }
    const boxes = boxesFromMap(mapOf(200, 120, [{ inside, value: 0.95 }]), 200, 120, {
      ...DETECTION_DEFAULTS,
      unclipRatio: 0,
    })
    expect(boxes).toHaveLength(1)
    const [tl, tr, , bl] = boxes[0]!.quad
    const length = Math.hypot(tr[0] - tl[0], tr[1] - tl[1])
    const thickness = Math.hypot(bl[0] - tl[0], bl[1] - tl[1])
    // The outermost pixel centres lie within a pixel of the true edges.
    expect(length).toBeGreaterThan(w - 2)
    expect(length).toBeLessThanOrEqual(w)
    expect(thickness).toBeGreaterThan(h - 2)
    expect(thickness).toBeLessThanOrEqual(h)
    expect((Math.atan2(tr[1] - tl[1], tr[0] - tl[0]) * 180) / Math.PI).toBeCloseTo(20, 0)
    const centre = boxes[0]!.quad.reduce((sum, p) => [sum[0] + p[0] / 4, sum[1] + p[1] / 4], [0, 0])
    expect(Math.hypot(centre[0] - cx, centre[1] - cy)).toBeLessThan(0.5)
  })

  it('drops faint regions, thin ones and the background', () => {
    const map = mapOf(100, 60, [block(10, 10, 60, 20, 0.45), block(10, 40, 80, 41), block(90, 50, 91, 51)])
    expect(boxesFromMap(map, 100, 60)).toEqual([]) // mean 0.45 < 0.6; 1 pixel thick < 3; 1 × 1 < 3
    expect(boxesFromMap(new Float32Array(100 * 60), 100, 60)).toEqual([])
  })

  it('scales boxes to the image in whole pixels inside it, dropping ones 3 pixels or less across', () => {
    const boxes: TextBox[] = [
      {
        quad: [
          [-3, 10],
          [50.2, 10],
          [50.2, 20],
          [-3, 20],
        ],
        score: 0.9,
      },
      {
        quad: [
          [10, 40],
          [11, 40],
          [11, 48],
          [10, 48],
        ],
        score: 0.9,
      },
    ]
    expect(scaleBoxes(boxes, { width: 100, height: 50 }, { width: 200, height: 100 })).toEqual([
      {
        quad: [
          [0, 20],
          [100, 20],
          [100, 40],
          [0, 40],
        ],
        score: 0.9,
      },
    ])
  })

  it('puts boxes in reading order: lines top to bottom, left to right within a line', () => {
    const box = (x: number, y: number, name: string) => ({
      quad: [
        [x, y],
        [x + 40, y],
        [x + 40, y + 20],
        [x, y + 20],
      ] as Quad,
      score: 1,
      name,
    })
    const boxes = [
      box(200, 103, 'f'),
      box(10, 52, 'c'),
      box(100, 5, 'b'),
      box(100, 48, 'd'),
      box(10, 100, 'e'),
      box(10, 8, 'a'),
    ]
    expect(
      readingOrder(boxes)
        .map((b) => b.name)
        .join(''),
    ).toBe('abcdef')
  })

  it('reads a [1, 1, H, W] map into boxes on the image, and refuses any other shape', () => {
    const map = tensor('float32', [1, 1, 64, 128], mapOf(128, 64, [block(30, 20, 100, 40)]))
    // 70 × 20, grown by 1400 × 1.8 / 180 = 14 on each side, then doubled.
    expect(detectText(map, { width: 256, height: 128 })).toEqual([
      {
        quad: [
          [32, 12],
          [228, 12],
          [228, 108],
          [32, 108],
        ],
        score: expect.closeTo(0.9, 6),
      },
    ])
    expect(() =>
      detectText(tensor('float32', [1, 64, 128], new Float32Array(64 * 128)), { width: 1, height: 1 }),
    ).toThrow(/\[1, 1, H, W\]/)
  })
})

describe('orientation', () => {
  it('takes the likelier of 0° and 180°, and turns a line only when the classifier is over 0.9 sure', () => {
    const found = orientations(tensor('float32', [3, 2], new Float32Array([0.9, 0.1, 0.05, 0.95, 0.2, 0.8])))
    expect(found.map((o) => o.angle)).toEqual([0, 180, 180])
    expect(found[1]!.score).toBeCloseTo(0.95, 6)
    expect(found.map((o) => isUpsideDown(o))).toEqual([false, true, false])
    expect(() => orientations(tensor('float32', [2, 3], new Float32Array(6)))).toThrow(/\[N, 2\]/)
  })
})

describe('CTC decoding', () => {
  const classes = ['', 'a', 'b', ' ']
  /** One line of steps, each given as the class that wins and its probability (the rest spread evenly). */
  function steps(...winners: [number, number, number?][]) {
    const data = new Float32Array(winners.length * classes.length)
    winners.forEach(([winner, p, space], t) => {
      const rest = (1 - p - (space ?? 0)) / (classes.length - 1 - (space === undefined ? 0 : 1))
      for (let c = 0; c < classes.length; c++)
        data[t * classes.length + c] = c === winner ? p : c === 3 && space !== undefined ? space : rest
    })
    return data
  }

  it('keeps the likeliest class per step, merges repeats, drops blanks, and scores by the kept characters', () => {
    // a a _ a b b _  →  "aab"
    const data = steps([1, 0.9], [1, 0.8], [0, 0.9], [1, 0.7], [2, 0.6], [2, 0.95], [0, 0.99])
    const [read] = ctcDecode(tensor('float32', [1, 7, 4], data), classes)
    expect(read!.text).toBe('aab')
    expect(read!.score).toBeCloseTo((0.9 + 0.7 + 0.6) / 3, 6)
  })

  it('decodes every line of a batch, and an all-blank line as empty with score 0', () => {
    const data = new Float32Array([...steps([1, 0.9], [3, 0.8], [2, 0.7]), ...steps([0, 0.9], [0, 0.9], [0, 0.9])])
    const read = ctcDecode(tensor('float32', [2, 3, 4], data), classes)
    expect(read.map((r) => r.text)).toEqual(['a b', ''])
    expect(read[1]!.score).toBe(0)
  })

  it('with a space threshold, reads a blank step as a space when the space is likely enough, not counting it in the score', () => {
    // a, then blank (0.7) with space at 0.2, then b
    const data = steps([1, 0.9], [0, 0.7, 0.2], [2, 0.8])
    const t = tensor('float32', [1, 3, 4], data)
    expect(ctcDecode(t, classes)[0]!.text).toBe('ab')
    const [read] = ctcDecode(t, classes, { spaceThreshold: 0.1 })
    expect(read).toEqual({ text: 'a b', score: expect.closeTo(0.85, 6) as number })
    expect(ctcDecode(t, classes, { spaceThreshold: 0.3 })[0]!.text).toBe('ab')
  })

  it('trims spaces at the ends and merges runs of them', () => {
    const data = steps([3, 0.9], [1, 0.9], [3, 0.9], [0, 0.9], [3, 0.9], [2, 0.9], [3, 0.9])
    expect(ctcDecode(tensor('float32', [1, 7, 4], data), classes)[0]!.text).toBe('a b')
  })

  it('refuses probabilities whose class count is not the dictionary’s', () => {
    expect(() => ctcDecode(tensor('float32', [1, 2, 5], new Float32Array(10)), classes)).toThrow(/\[N, T, 4\]/)
  })
})

describe('the dictionary', () => {
  it('is one character a line, with or without a final newline or carriage returns', () => {
    expect(parseKeys('a\nb\r\nc\n')).toEqual(['a', 'b', 'c'])
    expect(parseKeys('a\nb')).toEqual(['a', 'b'])
  })

  it('maps class i to line i − 1, after the blank, with the space PaddleOCR appends when the model has room for it', () => {
    expect(recognitionClasses(['x', 'y', 'z'], 5)).toEqual(['', 'x', 'y', 'z', ' '])
    expect(recognitionClasses(['x', 'y', 'z'], 4)).toEqual(['', 'x', 'y', 'z'])
    expect(() => recognitionClasses(['x', 'y', 'z'], 7)).toThrow(/7 classes, but its dictionary has 3 characters/)
  })
})
