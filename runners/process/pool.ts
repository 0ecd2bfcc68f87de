/**
 * A pre-warmed pool of single-use slots (processes here, containers in
 * runners/container): N slots prepared ahead, each taken by one request and
 * discarded, and a replacement prepared in the background.
 */

/** How a pool replaces a slot that was used. */
export type RefillPolicy = 'replace-after-use';

/** What a pool did so far, for people and result rows. */
export interface PoolStats {
  /** Slots the pool keeps. */
  size: number;
  /** Slots prepared and waiting now. */
  waiting: number;
  /** Slots being prepared now. */
  preparing: number;
  /** Slots prepared since the pool opened (initial fill plus refills). */
  prepared: number;
  /** Requests served. */
  served: number;
  /** Requests that found no slot ready and waited for one being prepared. */
  misses: number;
  /** Slots that died while waiting and were replaced. */
  lost: number;
  refillPolicy: RefillPolicy;
}

/** One slot as the pool sees it. */
export interface PoolSlot {
  /** Resolves when the slot is fully prepared and idle; rejects when it cannot be prepared. */
  readonly ready: Promise<void>;
  /** Resolves as soon as the slot can be handed a request (it may still be starting up); a pool that ran dry waits for this only. */
  readonly usable: Promise<void>;
  /** Whether the slot died while waiting. */
  readonly dead: boolean;
  /** Releases the slot (kill the process, remove the container). */
  discard(): Promise<void>;
}

interface Entry<S extends PoolSlot> {
  slot: S;
  isReady: boolean;
}

/** A pool of single-use slots with replace-after-use refill. */
export class SingleUsePool<S extends PoolSlot> {
  private readonly entries: Entry<S>[] = [];
  private closed = false;
  /** Requests waiting because more of them arrived than the pool has slots: each gets the next slot prepared. */
  private readonly waiters: (() => void)[] = [];
  /** Slots taken by {@link use} and not yet released. */
  private readonly inUse = new Set<S>();
  private prepared = 0;
  private served = 0;
  private misses = 0;
  private lost = 0;

  /** Slots the pool keeps. */
  readonly size: number;
  private readonly prepareSlot: () => S;

  constructor(size: number, prepareSlot: () => S) {
    this.size = size;
    this.prepareSlot = prepareSlot;
    for (let i = 0; i < size; i++) this.refill();
  }

  /** Waits until every slot now in the pool is ready (rejects with the first failure). */
  async filled(): Promise<void> {
    await Promise.all(this.entries.map((entry) => entry.slot.ready));
  }

  /**
   * Takes the oldest ready slot, or waits for the oldest one being prepared
   * (a miss). The caller uses it once and then calls {@link release}.
   */
  async take(): Promise<{ slot: S; miss: boolean }> {
    let waited = false;
    for (;;) {
      if (this.closed) throw new Error('pool closed');
      const deadIndex = this.entries.findIndex((entry) => entry.isReady && entry.slot.dead);
      if (deadIndex >= 0) {
        const [dead] = this.entries.splice(deadIndex, 1);
        this.lost++;
        void dead?.slot.discard();
        this.refill();
        continue;
      }
      const readyIndex = this.entries.findIndex((entry) => entry.isReady);
      const index = readyIndex >= 0 ? readyIndex : 0;
      const entry = this.entries.splice(index, 1)[0];
      if (!entry) {
        // More requests in flight than slots: wait for the next replacement rather than fail (counted as a miss).
        if (!waited) this.misses++;
        waited = true;
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      const miss = waited || !entry.isReady;
      if (miss && !waited) this.misses++;
      try {
        await (miss ? entry.slot.usable : entry.slot.ready);
      } catch (error) {
        void entry.slot.discard();
        this.refill();
        throw error;
      }
      this.served++;
      return { slot: entry.slot, miss };
    }
  }

  /** Discards a used slot and prepares its replacement in the background. */
  release(slot: S): void {
    void slot.discard();
    this.refill();
  }

  /**
   * Takes a slot ({@link take}), hands it to `fn` for one request and releases
   * it afterwards, whatever `fn` did; the slot counts as in use meanwhile.
   */
  async use<T>(fn: (slot: S) => Promise<T>): Promise<T> {
    const { slot } = await this.take();
    this.inUse.add(slot);
    try {
      return await fn(slot);
    } finally {
      this.inUse.delete(slot);
      this.release(slot);
    }
  }

  /** Slots prepared and waiting now. */
  waitingSlots(): S[] {
    return this.entries.filter((entry) => entry.isReady && !entry.slot.dead).map((entry) => entry.slot);
  }

  /** Slots waiting and slots serving a request now (what is alive, for cleanup and sampling). */
  liveSlots(): S[] {
    return [...this.waitingSlots(), ...this.inUse];
  }

  /** What the pool did so far. */
  stats(): PoolStats {
    const waiting = this.waitingSlots().length;
    return {
      size: this.size,
      waiting,
      preparing: this.entries.filter((entry) => !entry.isReady).length,
      prepared: this.prepared,
      served: this.served,
      misses: this.misses,
      lost: this.lost,
      refillPolicy: 'replace-after-use',
    };
  }

  /** Discards every slot, those serving a request too; nothing is prepared afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiters.splice(0)) wake();
    await Promise.all([...this.inUse].map((slot) => slot.discard().catch(() => undefined)));
    const entries = this.entries.splice(0);
    await Promise.all(entries.map((entry) => entry.slot.discard()));
  }

  // Why after use and not on take: a replacement prepared while the taken slot serves would compete with the measured request for the same cores.
  private refill(): void {
    if (this.closed) return;
    const entry: Entry<S> = { slot: this.prepareSlot(), isReady: false };
    this.prepared++;
    this.entries.push(entry);
    this.waiters.shift()?.();
    entry.slot.ready.then(
      () => {
        entry.isReady = true;
      },
      () => undefined,
    );
  }
}
