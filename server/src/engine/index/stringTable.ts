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

export class StringTable {
  private slots: Int32Array;
  private mask: number;

  constructor(readonly strings: string[] = []) {
    let size = 1024;
    while (full(strings.length, size)) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let i = 0; i < strings.length; i++) this.place(strings[i], i);
  }

  get size(): number {
    return this.strings.length;
  }

  private place(s: string, id: number): void {
    let p = hash(s) & this.mask;
    while (this.slots[p] >= 0) p = (p + 1) & this.mask;
    this.slots[p] = id;
  }

  get(s: string): number | undefined {
    let p = hash(s) & this.mask;
    for (;;) {
      const id = this.slots[p];
      if (id < 0) return undefined;
      if (this.strings[id] === s) return id;
      p = (p + 1) & this.mask;
    }
  }

  intern(s: string): number {
    let p = hash(s) & this.mask;
    for (;;) {
      const id = this.slots[p];
      if (id < 0) break;
      if (this.strings[id] === s) return id;
      p = (p + 1) & this.mask;
    }
    const id = this.strings.length;
    this.strings.push(s);
    if (full(this.strings.length, this.slots.length)) this.grow();
    else this.slots[p] = id;
    return id;
  }

  private grow(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    this.mask = this.slots.length - 1;
    for (let i = 0; i < this.strings.length; i++) this.place(this.strings[i], i);
  }
}
