import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHECKPOINT_STORE, DetError, provideDefault, resolveService, type CheckpointStore } from '@det/registry';

/** Prefix of in-flight writes; never a valid checkpoint name, so readers and finders skip them. */
export const TEMP_PREFIX = '.tmp-';
// Keeps temp names unique when one process saves the same file twice within a millisecond.
let tempCounter = 0;

/**
 * Local-disk checkpoint store. `save` writes a temp file in the same folder, fsyncs it, renames
 * it over the target (atomic on POSIX) and fsyncs the folder: a crash at any point leaves either
 * the previous file or the new one, never a partial file under the real name.
 */
export class FileCheckpointStore implements CheckpointStore {
  async save(file: string, bytes: Uint8Array): Promise<void> {
    const dir = path.dirname(path.resolve(file));
    await fs.promises.mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `${TEMP_PREFIX}${path.basename(file)}.${process.pid}.${Date.now()}.${tempCounter++}`);
    let handle: fs.promises.FileHandle | undefined;
    try {
      handle = await fs.promises.open(tmp, 'w');
      await this.writeAll(handle, bytes);
      await handle.sync();
      await handle.close();
      handle = undefined;
      await fs.promises.rename(tmp, file);
    } catch (err) {
      await handle?.close().catch(() => undefined);
      await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
      throw new DetError(`checkpoint: writing ${file} failed (${(err as Error).message}); the previous file is untouched`, { cause: err });
    }
    await this.syncDir(dir);
  }

  /** Writes in chunks (a hook for tests to interrupt a write mid-way). */
  protected async writeAll(handle: fs.promises.FileHandle, bytes: Uint8Array): Promise<void> {
    const chunk = 1 << 22;
    for (let off = 0; off < bytes.byteLength; off += chunk) {
      await handle.write(bytes, off, Math.min(chunk, bytes.byteLength - off));
    }
  }

  private async syncDir(dir: string): Promise<void> {
    // Persist the rename itself; not every platform lets a folder be opened for fsync.
    try {
      const h = await fs.promises.open(dir, 'r');
      await h.sync().finally(() => h.close());
    } catch {
      /* best effort */
    }
  }

  async load(file: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await fs.promises.readFile(file));
    } catch (err) {
      throw new DetError(`checkpoint: cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
  }

  async exists(file: string): Promise<boolean> {
    return fs.promises.access(file).then(() => true, () => false);
  }

  async remove(file: string): Promise<void> {
    await fs.promises.rm(file, { force: true });
  }
}

provideDefault(CHECKPOINT_STORE, () => new FileCheckpointStore());

/** The checkpoint store registered in DI (a plugin may provide, e.g., an object-store one). */
export const getCheckpointStore = (): CheckpointStore => resolveService(CHECKPOINT_STORE);
