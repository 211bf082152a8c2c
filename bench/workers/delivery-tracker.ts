/**
 * Exact delivery accounting for one client: a bitset of the updates received after the
 * window's first seq, so missed, duplicated and out-of-order are counts, not estimates.
 * Cost per update: one array read and write; memory: one bit per update in the window.
 */
export class DeliveryTracker {
  private bits = new Uint32Array(16);
  private floor = 0;
  private highest = 0;
  distinct = 0;
  duplicated = 0;
  outOfOrder = 0;

  /** Forgets everything and counts only updates with seq > `seqStart` from now on. */
  start(seqStart: number): void {
    this.bits.fill(0);
    this.floor = seqStart;
    this.highest = seqStart;
    this.distinct = 0;
    this.duplicated = 0;
    this.outOfOrder = 0;
  }

  record(seq: number): void {
    const offset = seq - this.floor - 1;
    if (offset < 0) return;
    const word = offset >>> 5;
    if (word >= this.bits.length) this.grow(word);
    const mask = 1 << (offset & 31);
    const bits = this.bits;
    if ((bits[word]! & mask) !== 0) {
      this.duplicated += 1;
      return;
    }
    bits[word] = bits[word]! | mask;
    this.distinct += 1;
    if (seq < this.highest) this.outOfOrder += 1;
    else this.highest = seq;
  }

  /** The window's first seq is above this. */
  get floorSeq(): number {
    return this.floor;
  }

  /** The highest seq received (the floor when none). */
  get highestSeq(): number {
    return this.highest;
  }

  /** Whether `seq` was received (false at or below the floor). */
  has(seq: number): boolean {
    const offset = seq - this.floor - 1;
    if (offset < 0) return false;
    const word = offset >>> 5;
    if (word >= this.bits.length) return false;
    return (this.bits[word]! & (1 << (offset & 31))) !== 0;
  }

  /** Distinct updates received with seq in (seqStart, seqEnd]. */
  deliveredUpTo(seqEnd: number): number {
    const limit = seqEnd - this.floor;
    if (limit <= 0) return 0;
    let count = 0;
    const fullWords = Math.min(limit >>> 5, this.bits.length);
    for (let word = 0; word < fullWords; word++) count += popcount(this.bits[word]!);
    const rest = limit & 31;
    if (rest !== 0 && fullWords < this.bits.length) count += popcount(this.bits[fullWords]! & ((1 << rest) - 1));
    return count;
  }

  private grow(word: number): void {
    let size = this.bits.length * 2;
    while (size <= word) size *= 2;
    const bigger = new Uint32Array(size);
    bigger.set(this.bits);
    this.bits = bigger;
  }
}

function popcount(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
