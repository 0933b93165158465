/**
 * Loads of the next epoch's first samples, started while the current epoch's last batches are
 * still being consumed, so an epoch does not begin with an empty prefetch queue (an
 * iteration-based runner restarts the loader every `length` iterations). Each load is tied to
 * the (epoch, position, index) it was started for and is only handed out for exactly that one:
 * a guess that turns out wrong costs decode time, never a different batch.
 */
export class EpochLookahead<T> {
  private epoch = -1;
  private indices: number[] = [];
  private loads: Promise<T>[] = [];

  get size(): number {
    return this.loads.length;
  }

  /** Starts guessing `epoch` with these indices (drops an older guess). */
  begin(epoch: number, indices: number[]): void {
    this.epoch = epoch;
    this.indices = indices;
    this.loads = [];
  }

  /** Starts the next guessed load, if the guessed epoch has positions left. */
  startNext(load: (index: number, position: number) => Promise<T>): boolean {
    const position = this.loads.length;
    if (this.epoch < 0 || position >= this.indices.length) return false;
    const p = load(this.indices[position], position);
    p.catch(() => undefined); // reported when claimed; an unclaimed failure must not crash the process
    this.loads.push(p);
    return true;
  }

  /** The loads started for `epoch` if it begins with the same indices; the guess is emptied either way. */
  claim(epoch: number, indices: number[]): Promise<T>[] {
    const loads = this.loads;
    const hit = epoch === this.epoch && loads.every((_, i) => indices[i] === this.indices[i]);
    this.epoch = -1;
    this.indices = [];
    this.loads = [];
    return hit ? loads : [];
  }
}
