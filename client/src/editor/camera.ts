import {
  type Box,
  type Camera,
  fitCamera,
  MAX_ZOOM,
  MIN_ZOOM,
  screenToPage,
  unionBoxes,
  type Vec,
  viewportBox,
  zoomAt,
} from './geometry.ts'

/** Zoom factor of one mouse-wheel notch (deltaY of 100 px). */
export const WHEEL_NOTCH_ZOOM = 1.1
/** Zoom per pixel of a small (trackpad pinch) delta: 1 % per px, up to one notch per event. */
const PINCH_ZOOM_PER_PX = 0.01
const LINE_PX = 16

/**
 * The zoom factor of one Ctrl+wheel event. A mouse notch (deltaY ±100) zooms by 10 %; several
 * notches in one event by 10 % each; small trackpad-pinch deltas zoom proportionally (1 % per px,
 * never more than a notch per event), so a pinch is smooth and a wheel is not a jump.
 */
export function wheelZoomFactor(deltaY: number, deltaMode = 0, pageHeight = 800): number {
  const px = deltaMode === 1 ? deltaY * LINE_PX : deltaMode === 2 ? deltaY * pageHeight : deltaY
  if (!Number.isFinite(px) || px === 0) return 1
  const notch = Math.log(WHEEL_NOTCH_ZOOM)
  const step = Math.min(Math.abs(px) * PINCH_ZOOM_PER_PX, notch * Math.max(1, Math.abs(px) / 100))
  return Math.exp(-Math.sign(px) * step)
}

/**
 * The camera after a two-finger gesture moved the fingers from `from` to `to` (screen points): the
 * page point under their midpoint follows the midpoint, and the zoom follows their distance.
 */
export function pinchCamera(camera: Camera, from: [Vec, Vec], to: [Vec, Vec]): Camera {
  const mid = (a: Vec, b: Vec) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 })
  const dist = (a: Vec, b: Vec) => Math.hypot(a.x - b.x, a.y - b.y)
  const d0 = dist(...from)
  const d1 = dist(...to)
  const ratio = d0 > 1 && d1 > 1 ? d1 / d0 : 1
  const z = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, camera.z * ratio))
  const anchor = screenToPage(camera, mid(...from))
  const m = mid(...to)
  return { z, x: m.x / z - anchor.x, y: m.y / z - anchor.y }
}

/**
 * The camera that brings `box` into view: centred on it, zoomed out as far as it needs to fit
 * (with fitCamera's padding), never zoomed in past 100 % (a small shape is shown at its real size).
 */
export function revealCamera(box: Box, size: { w: number; h: number }): Camera {
  const z = Math.min(1, fitCamera(box, size).z)
  return { z, x: size.w / 2 / z - (box.x + box.w / 2), y: size.h / 2 / z - (box.y + box.h / 2) }
}

/** The view onto the page: camera and viewport size; `onChange` runs after every change. */
export class CameraState {
  camera: Camera = { x: 0, y: 0, z: 1 }
  viewportSize = { w: 1024, h: 768 }

  constructor(private readonly onChange: (fromFollow: boolean) => void) {}

  /** Page-space rectangle currently shown. */
  viewport(): Box {
    return viewportBox(this.camera, this.viewportSize)
  }

  setViewportSize(w: number, h: number): void {
    if (w === this.viewportSize.w && h === this.viewportSize.h) return
    this.viewportSize = { w, h }
    this.onChange(true)
  }

  setCamera(camera: Camera, fromFollow = false): void {
    this.camera = camera
    this.onChange(fromFollow)
  }

  panBy(dxScreen: number, dyScreen: number): void {
    const c = this.camera
    this.setCamera({ x: c.x + dxScreen / c.z, y: c.y + dyScreen / c.z, z: c.z })
  }

  zoomTo(z: number, anchor: Vec = { x: this.viewportSize.w / 2, y: this.viewportSize.h / 2 }): void {
    this.setCamera(zoomAt(this.camera, anchor, z))
  }

  /** One Ctrl+wheel (or trackpad pinch) event at screen point `anchor`. */
  wheelZoom(deltaY: number, anchor: Vec, deltaMode = 0): void {
    this.zoomTo(this.camera.z * wheelZoomFactor(deltaY, deltaMode, this.viewportSize.h), anchor)
  }

  /** Two fingers moved from `from` to `to` (screen points): pan and zoom with them. */
  pinch(from: [Vec, Vec], to: [Vec, Vec]): void {
    this.setCamera(pinchCamera(this.camera, from, to))
  }

  /** Shows all of `boxes` (the origin at 100 % when there are none). */
  fit(boxes: Box[]): void {
    const box = unionBoxes(boxes)
    this.setCamera(box ? fitCamera(box, this.viewportSize) : { x: 0, y: 0, z: 1 })
  }

  /** Brings `box` into view (see {@link revealCamera}). */
  reveal(box: Box): void {
    this.setCamera(revealCamera(box, this.viewportSize))
  }

  /** Shows the page rectangle another user sees, centred and as large as it fits. */
  show(viewport: Box): void {
    const { w, h } = this.viewportSize
    const z = Math.min(w / viewport.w, h / viewport.h)
    const cx = viewport.x + viewport.w / 2
    const cy = viewport.y + viewport.h / 2
    this.setCamera({ z, x: w / 2 / z - cx, y: h / 2 / z - cy }, true)
  }
}
