/** Interfaces of the services that are resolved through DI; defaults live beside their owners. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  level: LogLevel;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Decoded 8-bit image, interleaved HWC. */
export interface DecodedImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

export interface ImageDecoder {
  /** Decodes a file (EXIF-rotated) into `channels` (3 = RGB) interleaved 8-bit pixels. */
  decode(file: string, options?: { channels?: 1 | 3 }): Promise<DecodedImage>;
}

/** Reads and writes checkpoint files; writes must be atomic (never a half-written file). */
export interface CheckpointStore {
  save(file: string, bytes: Uint8Array): Promise<void>;
  load(file: string): Promise<Uint8Array>;
  exists(file: string): Promise<boolean>;
  remove(file: string): Promise<void>;
}

/** The tensor backend in use, as chosen by `--backend`. */
export interface TensorBackendService {
  /** Selects and initialises a backend ('auto' picks the best installed); returns its name. */
  select(name: string): Promise<string>;
  /** Name of the active backend, or undefined before `select`. */
  active(): string | undefined;
}

/** Progress of long work (training epochs, evaluation, dataset generation). */
export interface ProgressReporter {
  start(total: number, label: string): ProgressTask;
}

export interface ProgressTask {
  update(done: number, info?: Record<string, string | number>): void;
  stop(): void;
}
