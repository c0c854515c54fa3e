import { type Box, type Camera, fitCamera, unionBoxes, type Vec, viewportBox, zoomAt } from './geometry.ts'

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

  /** Shows all of `boxes` (the origin at 100 % when there are none). */
  fit(boxes: Box[]): void {
    const box = unionBoxes(boxes)
    this.setCamera(box ? fitCamera(box, this.viewportSize) : { x: 0, y: 0, z: 1 })
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
