// A minimal 2D canvas for the server-side DOM: enough for Observable Plot's continuous colour
// legends (fillRect with a colour string) and raster mark (createImageData/putImageData), and
// toDataURL() as a PNG. Not a general canvas.
import { encodePng } from "./png.ts";

function parseColor(style: unknown): [number, number, number, number] {
  const s = String(style).trim().toLowerCase();
  let m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+))?\s*\)$/.exec(s);
  if (m) {
    const a = m[4] === undefined ? 1 : Number(m[4]);
    return [Number(m[1]), Number(m[2]), Number(m[3]), Math.round(a * 255)];
  }
  m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/.exec(s);
  if (m) {
    const h = m[1]!;
    const full = h.length === 3 ? [...h].map((c) => c + c).join("") : h;
    return [0, 2, 4].map((o) => Number.parseInt(full.slice(o, o + 2), 16)).concat(255) as [
      number,
      number,
      number,
      number,
    ];
  }
  return [0, 0, 0, 255];
}

interface ImageDataLike {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

class Context2d {
  fillStyle: unknown = "#000";
  constructor(private readonly canvas: ServerCanvas) {}

  fillRect(x: number, y: number, w: number, h: number): void {
    const [r, g, b, a] = parseColor(this.fillStyle);
    const px = this.canvas.pixels();
    const { width, height } = this.canvas;
    for (let j = Math.max(0, Math.floor(y)); j < Math.min(height, Math.ceil(y + h)); j++) {
      for (let i = Math.max(0, Math.floor(x)); i < Math.min(width, Math.ceil(x + w)); i++) {
        const o = (j * width + i) * 4;
        px[o] = r;
        px[o + 1] = g;
        px[o + 2] = b;
        px[o + 3] = a;
      }
    }
  }

  createImageData(w: number, h: number): ImageDataLike {
    return { width: w, height: h, data: new Uint8ClampedArray(w * h * 4) };
  }

  putImageData(image: ImageDataLike, dx: number, dy: number): void {
    const px = this.canvas.pixels();
    const { width, height } = this.canvas;
    for (let j = 0; j < image.height; j++) {
      const y = j + dy;
      if (y < 0 || y >= height) continue;
      for (let i = 0; i < image.width; i++) {
        const x = i + dx;
        if (x < 0 || x >= width) continue;
        const s = (j * image.width + i) * 4;
        px.set(image.data.subarray(s, s + 4), (y * width + x) * 4);
      }
    }
  }
}

/** What `document.createElement("canvas")` returns in the server-side DOM. */
export class ServerCanvas {
  width = 300;
  height = 150;
  private data: Uint8Array | undefined;

  pixels(): Uint8Array {
    if (!this.data || this.data.length !== this.width * this.height * 4) {
      this.data = new Uint8Array(this.width * this.height * 4);
    }
    return this.data;
  }

  getContext(kind: string): Context2d | null {
    return kind === "2d" ? new Context2d(this) : null;
  }

  toDataURL(): string {
    const png = encodePng({ width: this.width, height: this.height, channels: 4, data: this.pixels() });
    return `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
  }
}
