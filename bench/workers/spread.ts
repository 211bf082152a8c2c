/**
 * Per-update first and last receipt across clients: the broadcast's spread. Each worker keeps
 * the earliest and latest latency of each recent seq in a ring and hands over the touched
 * entries once a second as flat [seq, min, max] triples; the coordinator merges them.
 */
const RING_SIZE = 1 << 16;
const MASK = RING_SIZE - 1;

export class SpreadRing {
  private readonly seqs = new Float64Array(RING_SIZE).fill(-1);
  private readonly mins = new Float64Array(RING_SIZE);
  private readonly maxs = new Float64Array(RING_SIZE);
  private low = Number.POSITIVE_INFINITY;
  private high = -1;

  record(seq: number, latency: number): void {
    const index = seq & MASK;
    if (this.seqs[index] !== seq) {
      this.seqs[index] = seq;
      this.mins[index] = latency;
      this.maxs[index] = latency;
    } else if (latency < this.mins[index]!) this.mins[index] = latency;
    else if (latency > this.maxs[index]!) this.maxs[index] = latency;
    if (seq < this.low) this.low = seq;
    if (seq > this.high) this.high = seq;
  }

  /** The entries touched since the last call, cleared so later receipts start fresh. */
  drain(): number[] {
    const triples: number[] = [];
    if (this.high < 0) return triples;
    const from = Math.max(this.low, this.high - MASK);
    for (let seq = from; seq <= this.high; seq++) {
      const index = seq & MASK;
      if (this.seqs[index] !== seq) continue;
      triples.push(seq, this.mins[index]!, this.maxs[index]!);
      this.seqs[index] = -1;
    }
    this.low = Number.POSITIVE_INFINITY;
    this.high = -1;
    return triples;
  }
}

/** Coordinator side: merges triples from every worker, then turns them into two histograms. */
export class SpreadMerger {
  private readonly entries = new Map<number, { min: number; max: number }>();

  add(triples: readonly number[]): void {
    for (let i = 0; i + 2 < triples.length; i += 3) {
      const seq = triples[i]!;
      const min = triples[i + 1]!;
      const max = triples[i + 2]!;
      const entry = this.entries.get(seq);
      if (entry === undefined) this.entries.set(seq, { min, max });
      else {
        if (min < entry.min) entry.min = min;
        if (max > entry.max) entry.max = max;
      }
    }
  }

  /** Calls `visit` for every seq in (seqStart, seqEnd] that anyone received. */
  forEach(seqStart: number, seqEnd: number, visit: (min: number, max: number) => void): void {
    for (const [seq, entry] of this.entries) if (seq > seqStart && seq <= seqEnd) visit(entry.min, entry.max);
  }

  clear(): void {
    this.entries.clear();
  }
}
