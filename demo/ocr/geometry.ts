// Plane geometry for text boxes: convex hulls, minimum-area rectangles, corner order, projective maps.
// Coordinates are image pixels: x to the right, y downwards, pixel centres on whole numbers.

export type Point = readonly [x: number, y: number]
/** Four corners in reading order: top-left, top-right, bottom-right, bottom-left. */
export type Quad = readonly [Point, Point, Point, Point]

/** A rectangle at any angle: `width` runs along `angle` (radians, from the x axis towards y), `height` across it. */
export interface RotatedRect {
  readonly center: Point
  readonly width: number
  readonly height: number
  readonly angle: number
}

const cross = (o: Point, a: Point, b: Point) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
const dot = (p: Point, d: Point) => p[0] * d[0] + p[1] * d[1]
const minus = (p: Point, q: Point): Point => [p[0] - q[0], p[1] - q[1]]
export const distance = (p: Point, q: Point): number => Math.hypot(p[0] - q[0], p[1] - q[1])

/** The convex hull (Andrew's monotone chain), counter-clockwise in x-right/y-up terms, without collinear points. */
export function convexHull(points: readonly Point[]): Point[] {
  const sorted = [...points].sort((p, q) => p[0] - q[0] || p[1] - q[1])
  const unique = sorted.filter((p, i) => i === 0 || p[0] !== sorted[i - 1]![0] || p[1] !== sorted[i - 1]![1])
  if (unique.length < 3) return unique
  const chain = (ordered: readonly Point[]): Point[] => {
    const out: Point[] = []
    for (const p of ordered) {
      while (out.length >= 2 && cross(out.at(-2)!, out.at(-1)!, p) <= 0) out.pop()
      out.push(p)
    }
    return out.slice(0, -1) // the last point starts the other chain
  }
  // Points all on one line leave only the line's two ends.
  return [...chain(unique), ...chain(unique.toReversed())]
}

/**
 * The rectangle of least area that holds every point, by rotating calipers: the best rectangle has a side
 * on an edge of the convex hull (Freeman and Shapira, 1975), and as the calipers turn from edge to edge the
 * three other supporting points only move forward, so all edges are tried in time linear in the hull.
 */
export function minAreaRect(points: readonly Point[]): RotatedRect {
  const hull = convexHull(points)
  if (hull.length === 0) throw new RangeError('minAreaRect needs at least one point')
  if (hull.length === 1) return { center: hull[0]!, width: 0, height: 0, angle: 0 }
  if (hull.length === 2) {
    const [p, q] = hull as [Point, Point]
    return {
      center: [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2],
      width: distance(p, q),
      height: 0,
      angle: Math.atan2(q[1] - p[1], q[0] - p[0]),
    }
  }
  const n = hull.length
  const at = (i: number) => hull[i % n]!
  const frame = (i: number) => {
    const length = distance(at(i), at(i + 1))
    const along: Point = [(at(i + 1)[0] - at(i)[0]) / length, (at(i + 1)[1] - at(i)[1]) / length]
    return { origin: at(i), along, inward: [-along[1], along[0]] as Point } // counter-clockwise: the inside is to the left
  }
  const extreme = (measure: (p: Point) => number) =>
    hull.reduce((best, p, k) => (measure(p) > measure(hull[best]!) ? k : best), 0)
  // A caliper moves on while the next hull point lies further along its measure.
  const advance = (k: number, measure: (p: Point) => number) => {
    for (let steps = 0; steps < n && measure(at(k + 1)) > measure(at(k)); steps++) k = (k + 1) % n
    return k
  }
  const first = frame(0)
  let ahead = extreme((p) => dot(p, first.along))
  let behind = extreme((p) => -dot(p, first.along))
  let across = extreme((p) => dot(p, first.inward))
  let best: RotatedRect | undefined
  let bestArea = Infinity
  for (let i = 0; i < n; i++) {
    const { origin, along, inward } = frame(i)
    ahead = advance(ahead, (p) => dot(p, along))
    behind = advance(behind, (p) => -dot(p, along))
    across = advance(across, (p) => dot(p, inward))
    const front = dot(minus(at(ahead), origin), along)
    const back = dot(minus(at(behind), origin), along)
    const height = dot(minus(at(across), origin), inward)
    if ((front - back) * height < bestArea) {
      bestArea = (front - back) * height
      const middle = (front + back) / 2
      best = {
        center: [
          origin[0] + along[0] * middle + inward[0] * (height / 2),
          origin[1] + along[1] * middle + inward[1] * (height / 2),
        ],
        width: front - back,
        height,
        angle: Math.atan2(along[1], along[0]),
      }
    }
  }
  return best!
}

/** The rectangle's four corners, in reading order (see `orderCorners`). */
export function rectCorners(rect: RotatedRect): Quad {
  const [cx, cy] = rect.center
  const [ux, uy] = [(Math.cos(rect.angle) * rect.width) / 2, (Math.sin(rect.angle) * rect.width) / 2]
  const [vx, vy] = [(-Math.sin(rect.angle) * rect.height) / 2, (Math.cos(rect.angle) * rect.height) / 2]
  return orderCorners([
    [cx - ux - vx, cy - uy - vy],
    [cx + ux - vx, cy + uy - vy],
    [cx + ux + vx, cy + uy + vy],
    [cx - ux + vx, cy - uy + vy],
  ])
}

/**
 * PaddleOCR's corner order: of the two leftmost corners the upper is top-left and the lower bottom-left;
 * of the two rightmost the upper is top-right and the lower bottom-right.
 */
export function orderCorners(corners: readonly [Point, Point, Point, Point]): Quad {
  const byX = [...corners].sort((p, q) => p[0] - q[0])
  const [tl, bl] = byX[0]![1] <= byX[1]![1] ? [byX[0]!, byX[1]!] : [byX[1]!, byX[0]!]
  const [tr, br] = byX[2]![1] <= byX[3]![1] ? [byX[2]!, byX[3]!] : [byX[3]!, byX[2]!]
  return [tl, tr, br, bl]
}

/** Whether `p` lies inside the convex quadrilateral or on its edges. */
export function insideQuad(quad: Quad, p: Point): boolean {
  let sign = 0
  for (let i = 0; i < 4; i++) {
    const a = quad[i]!
    const b = quad[(i + 1) % 4]!
    const length = distance(a, b)
    if (length === 0) continue
    const side = cross(a, b, p) / length // signed distance from the edge's line
    if (Math.abs(side) <= 1e-6) continue
    if (sign === 0) sign = Math.sign(side)
    else if (Math.sign(side) !== sign) return false
  }
  return true
}

/**
 * Maps the unit square onto a quadrilateral: (0,0), (1,0), (1,1), (0,1) go to its four corners in order.
 * The closed form of a projective map from a square (Heckbert, "Fundamentals of Texture Mapping", 1989).
 */
export function squareToQuad(quad: Quad): (u: number, v: number) => Point {
  const [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = quad
  const sx = x0 - x1 + x2 - x3
  const sy = y0 - y1 + y2 - y3
  const [dx1, dx2, dy1, dy2] = [x1 - x2, x3 - x2, y1 - y2, y3 - y2]
  const det = dx1 * dy2 - dx2 * dy1
  // A parallelogram maps affinely (g = h = 0). So does a degenerate quad (its last three corners on one
  // line, as clipping to the image can leave one): onto the parallelogram on its first corners.
  const projective = (Math.abs(sx) > 1e-9 || Math.abs(sy) > 1e-9) && Math.abs(det) > 1e-9
  const g = projective ? (sx * dy2 - dx2 * sy) / det : 0
  const h = projective ? (dx1 * sy - sx * dy1) / det : 0
  const [a, b, c] = [x1 - x0 + g * x1, x3 - x0 + h * x3, x0]
  const [d, e, f] = [y1 - y0 + g * y1, y3 - y0 + h * y3, y0]
  return (u, v) => {
    const w = g * u + h * v + 1
    return [(a * u + b * v + c) / w, (d * u + e * v + f) / w]
  }
}
