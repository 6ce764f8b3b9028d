import type { Box } from './vision-port.js';

/** A point [x, y], normalised to 0..1 of the frame like boxes. */
export type Point = readonly [number, number];
/** A closed polygon given by its corners in order. */
export type Polygon = readonly Point[];

/** The box's area as a fraction of the frame. */
export function boxArea(b: Box): number {
  return Math.max(0, b.w) * Math.max(0, b.h);
}

/** Intersection over union of two boxes: 1 for the same box, 0 for disjoint ones. */
export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = boxArea(a) + boxArea(b) - inter;
  return union <= 0 ? 0 : inter / union;
}

/** The middle of the box's bottom edge: where a person or a car touches the ground (zones test it). */
export function bottomCentre(b: Box): Point {
  return [b.x + b.w / 2, b.y + b.h];
}

export function centre(b: Box): Point {
  return [b.x + b.w / 2, b.y + b.h / 2];
}

/** Whether a point is inside a polygon (even-odd ray casting; a point on an edge may go either way). */
export function pointInPolygon(p: Point, polygon: Polygon): boolean {
  const [x, y] = p;
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i] as Point;
    const [xj, yj] = polygon[j] as Point;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether a point is inside any of the polygons. */
export function inAny(p: Point, polygons: readonly Polygon[]): boolean {
  return polygons.some((poly) => pointInPolygon(p, poly));
}
