// Interned strings of one tree: an array of strings and an open-addressing hash over them in an Int32Array.
// A Map<string, number> of Linux's ~4 million distinct names costs ~250 MB; this table costs 4 bytes a slot, filled to
// at most 3/4 (at most 1/2 left Linux's 4.3 M names in 16 M slots, 64 MB; now 8 M, 32 MB).

function hash(s: string): number {
  // FNV-1a over UTF-16 code units.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Whether `count` strings fill `slots` past the load limit (3/4: linear probing stays short below it). */
function full(count: number, slots: number): boolean {
  return count * 4 > slots * 3;
}

/**
 * Ids below this carry 6 bits of their string's hash in their slot (bits 25-30), so that a probe passing another
 * string's slot (most probes: a batch's names are mostly new to the table) tells it apart without reading that
 * string. Past it (more than 33 million strings) slots hold bare ids.
 */
const TAGGED_IDS = 1 << 25;
const ID_BITS = TAGGED_IDS - 1;

function tagOf(h: number): number {
  return (h >>> 26) << 25;
}

export class StringTable {
  private slots: Int32Array;
  private mask: number;
  private tagged = true;

  /** `taggedIds` lowers the count past which slots hold bare ids (for tests: the real one is 33 million). */
  constructor(
    readonly strings: string[] = [],
    private readonly taggedIds = TAGGED_IDS,
  ) {
    let size = 1024;
    while (full(strings.length, size)) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    this.tagged = strings.length <= taggedIds;
    for (let i = 0; i < strings.length; i++) this.place(strings[i], i);
  }

  get size(): number {
    return this.strings.length;
  }

  private place(s: string, id: number): void {
    const h = hash(s);
    let p = h & this.mask;
    while (this.slots[p] >= 0) p = (p + 1) & this.mask;
    this.slots[p] = this.tagged ? id | tagOf(h) : id;
  }

  /** The slot holding `s`, or the empty slot where it would go (as ~slot). */
  private find(s: string, h: number): number {
    let p = h & this.mask;
    if (this.tagged) {
      const tag = tagOf(h);
      for (;;) {
        const v = this.slots[p];
        if (v < 0) return ~p;
        if ((v & ~ID_BITS) === tag && this.strings[v & ID_BITS] === s) return p;
        p = (p + 1) & this.mask;
      }
    }
    for (;;) {
      const v = this.slots[p];
      if (v < 0) return ~p;
      if (this.strings[v] === s) return p;
      p = (p + 1) & this.mask;
    }
  }

  get(s: string): number | undefined {
    const p = this.find(s, hash(s));
    return p < 0 ? undefined : this.slots[p] & (this.tagged ? ID_BITS : -1);
  }

  intern(s: string): number {
    const h = hash(s);
    const p = this.find(s, h);
    if (p >= 0) return this.slots[p] & (this.tagged ? ID_BITS : -1);
    const id = this.strings.length;
    this.strings.push(s);
    if (full(this.strings.length, this.slots.length) || (this.tagged && id >= this.taggedIds)) this.grow();
    else this.slots[~p] = this.tagged ? id | tagOf(h) : id;
    return id;
  }

  private grow(): void {
    if (full(this.strings.length, this.slots.length)) this.slots = new Int32Array(this.slots.length * 2);
    this.slots.fill(-1);
    this.mask = this.slots.length - 1;
    this.tagged = this.strings.length <= this.taggedIds;
    for (let i = 0; i < this.strings.length; i++) this.place(this.strings[i], i);
  }
}
