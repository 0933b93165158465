import sharp from 'sharp';
import { DetError, IMAGE_DECODER, provideDefault, resolveService, type DecodedImage, type ImageDecoder } from '@det/registry';

/**
 * Default `IMAGE_DECODER`: sharp (libvips). Applies EXIF orientation, drops alpha and expands
 * grayscale so callers always get the channel count they asked for.
 */
export class SharpImageDecoder implements ImageDecoder {
  async decode(file: string, options: { channels?: 1 | 3 } = {}): Promise<DecodedImage> {
    const channels = options.channels ?? 3;
    try {
      let pipe = sharp(file, { failOn: 'error' }).rotate().removeAlpha();
      pipe = channels === 1 ? pipe.grayscale() : pipe.toColourspace('srgb');
      const { data, info } = await pipe.raw().toBuffer({ resolveWithObject: true });
      if (info.channels !== channels) {
        throw new Error(`decoded ${info.channels} channels, expected ${channels}`);
      }
      return {
        data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        width: info.width,
        height: info.height,
        channels,
      };
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new DetError(`cannot decode image '${file}': ${msg}`, { file });
    }
  }
}

provideDefault(IMAGE_DECODER, () => new SharpImageDecoder());

/** The decoder registered in DI (a plugin may have replaced sharp). */
export const getImageDecoder = (): ImageDecoder => resolveService(IMAGE_DECODER);
