/**
 * Reads the rows of one table from an SQLite 3 database file held in memory (sqlite.org/fileformat2.html:
 * database header 1.3, b-tree pages 1.6, cell payload and overflow 1.6, record format 2.1). Only what
 * rpmdb.sqlite needs: table b-trees, no indexes, no WAL (a committed database has none pending). The
 * file is attacker-shaped: every page number and offset is checked, page visits are counted so a cyclic
 * tree cannot loop, and payloads are bounded by the file itself.
 */
import { VouchError } from '../../errors.js';

export type SqliteValue = null | number | bigint | string | Uint8Array;

const MAGIC = 'SQLite format 3\u0000';

/** SQLite varint (fileformat2 1.6): 1-9 bytes, big-endian 7-bit groups, the 9th byte whole. */
function varint(
  buf: Uint8Array,
  pos: number,
  bad: (why: string) => VouchError,
): { value: number; next: number } {
  let v = 0;
  for (let i = 0; i < 9; i++) {
    const b = buf[pos + i];
    if (b === undefined) throw bad('truncated varint');
    if (i === 8) return { value: v * 256 + b, next: pos + 9 };
    v = v * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) return { value: v, next: pos + i + 1 };
  }
  throw bad('bad varint');
}

class Db {
  readonly view: DataView;
  readonly pageSize: number;
  readonly usable: number;
  visits = 0;

  constructor(
    readonly buf: Uint8Array,
    readonly what: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    if (buf.length < 100 || new TextDecoder().decode(buf.subarray(0, 16)) !== MAGIC) {
      throw this.bad('not an SQLite 3 database');
    }
    const ps = this.view.getUint16(16);
    this.pageSize = ps === 1 ? 65536 : ps;
    if (this.pageSize < 512 || (this.pageSize & (this.pageSize - 1)) !== 0)
      throw this.bad('invalid page size');
    this.usable = this.pageSize - (buf[20] ?? 0);
    if (this.usable < 480) throw this.bad('invalid reserved space');
  }

  bad(why: string): VouchError {
    return new VouchError('INPUT_MALFORMED', `${this.what}: ${why}`);
  }

  page(n: number): number {
    const start = (n - 1) * this.pageSize;
    if (n < 1 || start + this.pageSize > this.buf.length) throw this.bad(`page ${n} is outside the file`);
    // Each page is visited at most a few times in a sound tree; a cycle would visit forever.
    if (++this.visits > this.buf.length / this.pageSize + 16) throw this.bad('b-tree pages form a cycle');
    return start;
  }

  varint(pos: number): { value: number; next: number } {
    return varint(this.buf, pos, (why) => this.bad(why));
  }

  /** Every row (as a record payload) of the table b-tree rooted at `root`. */
  *rows(root: number): Generator<Uint8Array> {
    const stack = [root];
    while (stack.length > 0) {
      const n = stack.pop() ?? 0;
      const start = this.page(n);
      const hdr = n === 1 ? start + 100 : start;
      const type = this.buf[hdr];
      const cells = this.view.getUint16(hdr + 3);
      if (type === 0x05) {
        const right = this.view.getUint32(hdr + 8);
        const children: number[] = [];
        for (let i = 0; i < cells; i++)
          children.push(this.view.getUint32(start + this.cellOffset(hdr + 12, i)));
        children.push(right);
        // Reverse so rows come out in rowid order.
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] ?? 0);
      } else if (type === 0x0d) {
        for (let i = 0; i < cells; i++) yield this.payload(start + this.cellOffset(hdr + 8, i));
      } else {
        throw this.bad(`page ${n} is not a table b-tree page`);
      }
    }
  }

  /** The i-th cell's offset within its page, from the cell pointer array at `arrayAt`. */
  cellOffset(arrayAt: number, i: number): number {
    const off = this.view.getUint16(arrayAt + 2 * i);
    if (off < 8 || off >= this.pageSize) throw this.bad('cell pointer outside its page');
    return off;
  }

  payload(cell: number): Uint8Array {
    const p = this.varint(cell);
    const rowid = this.varint(p.next);
    const total = p.value;
    const u = this.usable;
    const x = u - 35;
    let local = total;
    if (total > x) {
      const m = Math.floor(((u - 12) * 32) / 255) - 23;
      local = m + ((total - m) % (u - 4));
      if (local > x) local = m;
    }
    if (total > this.buf.length) throw this.bad('cell payload larger than the file');
    const out = new Uint8Array(total);
    const body = rowid.next;
    if (body + local > this.buf.length) throw this.bad('cell overruns the file');
    out.set(this.buf.subarray(body, body + local), 0);
    let got = local;
    if (got < total) {
      let next = this.view.getUint32(body + local);
      while (got < total) {
        const s = this.page(next);
        const take = Math.min(u - 4, total - got);
        out.set(this.buf.subarray(s + 4, s + 4 + take), got);
        got += take;
        next = this.view.getUint32(s);
        if (got < total && next === 0) throw this.bad('overflow chain ends early');
      }
    }
    return out;
  }

  record(payload: Uint8Array): SqliteValue[] {
    const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    const bad = (why: string): VouchError => this.bad(`record: ${why}`);
    const hdr = varint(payload, 0, bad);
    const types: number[] = [];
    let pos = hdr.next;
    while (pos < hdr.value) {
      const t = varint(payload, pos, bad);
      types.push(t.value);
      pos = t.next;
    }
    const values: SqliteValue[] = [];
    let at = hdr.value;
    const need = (n: number): void => {
      if (at + n > payload.length) throw this.bad('record overruns its payload');
    };
    for (const t of types) {
      if (t === 0) values.push(null);
      else if (t >= 1 && t <= 6) {
        const n = [0, 1, 2, 3, 4, 6, 8][t] ?? 0;
        need(n);
        let v = 0n;
        for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(payload[at + i] ?? 0);
        if ((payload[at] ?? 0) & 0x80) v -= 1n << BigInt(8 * n);
        values.push(
          v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v,
        );
        at += n;
      } else if (t === 7) {
        need(8);
        values.push(dv.getFloat64(at));
        at += 8;
      } else if (t === 8 || t === 9) values.push(t - 8);
      else if (t >= 12) {
        const n = Math.floor((t - 12) / 2);
        need(n);
        const bytes = payload.subarray(at, at + n);
        values.push(t % 2 === 0 ? bytes : new TextDecoder().decode(bytes));
        at += n;
      } else throw this.bad(`reserved serial type ${t}`);
    }
    return values;
  }
}

/** The rows of table `name`, each as its column values. @throws INPUT_MALFORMED, NOT_FOUND */
export function readSqliteTable(buf: Uint8Array, name: string, what: string): SqliteValue[][] {
  const db = new Db(buf, what);
  let root: number | undefined;
  for (const p of db.rows(1)) {
    const r = db.record(p);
    if (r[0] === 'table' && r[1] === name && typeof r[3] === 'number') root = r[3];
  }
  if (root === undefined) throw new VouchError('NOT_FOUND', `${what}: no table "${name}"`);
  db.visits = 0;
  return [...db.rows(root)].map((p) => db.record(p));
}
