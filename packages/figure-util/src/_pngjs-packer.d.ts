// Types for pngjs's chunk writer (pngjs/lib/packer.js), which @types/pngjs does not describe.
// Only the members png.ts uses.
declare module "pngjs/lib/packer.js" {
  interface PackerOptions {
    colorType: number;
    inputColorType: number;
    bitDepth: 8 | 16;
  }
  /** Frames PNG chunks: length, type, data and CRC. */
  class Packer {
    constructor(options: PackerOptions);
    packIHDR(width: number, height: number): Buffer;
    packIDAT(data: Buffer): Buffer;
    packIEND(): Buffer;
  }
  export default Packer;
}
