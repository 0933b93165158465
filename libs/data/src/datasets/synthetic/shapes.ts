// Local aliases: global lookups of `Math` are slow inside jest's vm sandbox.
const { abs, hypot, atan2, cos, floor, PI } = Math;
/** The classes of the synthetic set: each a distinct shape in a distinct colour, so small detectors can learn it. */
export interface ShapeClass {
  name: string;
  rgb: [number, number, number];
  /** True when local point (u, v) ∈ [-1, 1]² (unit half-extents, already un-rotated) is inside. */
  inside(u: number, v: number): boolean;
  /** Whether the shape's width and height vary independently. */
  stretch: boolean;
  /** Whether the shape may be rotated. */
  rotate: boolean;
}

const regularPolygon = (sides: number, phase: number) => {
  const apothem = cos(PI / sides);
  return (u: number, v: number) => {
    const r = hypot(u, v);
    if (r === 0) return true;
    const a = atan2(v, u) - phase;
    const sector = (2 * PI) / sides;
    const local = a - sector * floor(a / sector) - sector / 2;
    return r * cos(local) <= apothem;
  };
};

export const SHAPE_CLASSES: ShapeClass[] = [
  { name: 'red_rectangle', rgb: [220, 40, 40], inside: (u, v) => abs(u) <= 1 && abs(v) <= 1, stretch: true, rotate: false },
  { name: 'green_circle', rgb: [40, 200, 60], inside: (u, v) => u * u + v * v <= 1, stretch: false, rotate: false },
  { name: 'blue_triangle', rgb: [40, 80, 235], inside: (u, v) => v <= 1 && v >= 2 * abs(u) - 1, stretch: false, rotate: false },
  { name: 'yellow_ellipse', rgb: [235, 215, 40], inside: (u, v) => u * u + (v * v) / 0.36 <= 1, stretch: false, rotate: true },
  { name: 'magenta_diamond', rgb: [215, 50, 215], inside: (u, v) => abs(u) + abs(v) <= 1, stretch: true, rotate: false },
  { name: 'cyan_ring', rgb: [40, 215, 225], inside: (u, v) => { const r = u * u + v * v; return r <= 1 && r >= 0.3; }, stretch: false, rotate: false },
  { name: 'orange_cross', rgb: [245, 140, 20], inside: (u, v) => abs(u) <= 1 && abs(v) <= 1 && (abs(u) <= 0.33 || abs(v) <= 0.33), stretch: false, rotate: false },
  { name: 'white_hexagon', rgb: [245, 245, 245], inside: regularPolygon(6, 0), stretch: false, rotate: false },
];
