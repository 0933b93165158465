// Child process for the crash test: starts an atomic save of a large file, reports when half of
// it is on disk, then hangs until the parent kills it with SIGKILL.
import type * as fs from 'node:fs';
import { FileCheckpointStore } from '../checkpoint/file-store';

class HangingStore extends FileCheckpointStore {
  protected override async writeAll(handle: fs.promises.FileHandle, bytes: Uint8Array): Promise<void> {
    await handle.write(bytes, 0, bytes.byteLength >> 1);
    await handle.sync();
    process.stdout.write('HALF\n');
    await new Promise(() => undefined); // never finishes
  }
}

void new HangingStore().save(process.argv[2], new Uint8Array(Number(process.argv[3])).fill(9));
