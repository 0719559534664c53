/**
 * Scoped arenas: the float tensors made during one training step live in one block of memory
 * (the wasm backend's linear memory, so its kernels read and write them in place) and are all
 * released at once when the step ends.
 *
 *   withArena(fn)     inside fn, every float array made by the engine's `allocate` (op outputs,
 *                     gradients, flatten/unflatten, zeros/full/tensor) is a zero-filled view
 *                     carved from the arena by a bump pointer (64-byte aligned). When fn returns
 *                     or throws, everything allocated since entry is released in O(1).
 *   outsideArena(fn)  inside fn, allocation goes back to the JS heap (for results kept beyond
 *                     the step: observers, caches); scopes opened inside fn use the arena again.
 *
 * Contract: nothing allocated inside a scope may be used after the scope ends. Copy what must
 * survive (`a.slice()` makes a heap copy) or compute it inside `outsideArena`. Scopes nest
 * like a stack; a nested scope releases only what it allocated. `fn` must be synchronous.
 *
 * Memory. The arena asks its host for a region when the outermost scope opens, sized to the
 * largest demand seen so far (the high-water mark). It never grows while a scope is open —
 * growing a wasm memory detaches its ArrayBuffer and would empty every live view — so when it
 * runs out mid-scope further allocations come from the JS heap (same values, just not
 * resident), the demand is recorded, and the next outermost scope opens with enough room: from
 * the second step on a fixed-shape loop is fully resident and allocates no typed-array storage.
 * Kernel staging inside a scope borrows the free space above the bump pointer (`pushTemp`).
 *
 * Safety net. In test runs (VITEST set) or with LMECH_ARENA_CHECK=1, released memory is
 * overwritten with a pattern that reads as NaN in both f32 and f64, so a tensor wrongly kept
 * past its scope shows up as NaN; the wasm backend also refuses (throws) to run a kernel on
 * arena memory that is not live.
 *
 * Which arena: `withArena` uses the arena of the active backend (the wasm backend's, also
 * inherited by the native backend, whose BLAS reads wasm-memory views like any typed array),
 * or a plain ArrayBuffer arena for backends without one (reference).
 */
import { backend } from './backend/index.js';
import { setFloatSource, type FloatArray, type FloatDType } from './dtype.js';

/** A block of memory the arena may carve: bytes [base, end) of `buffer`. */
export interface ArenaRegion {
  buffer: ArrayBuffer;
  base: number;
  end: number;
}

/** Who owns the arena's memory (the wasm backend, or a plain ArrayBuffer). */
export interface ArenaHost {
  /**
   * Called when the outermost scope opens (no arena view is live): return a region of at
   * least `bytes` bytes if possible (a smaller one is allowed; the rest spills to the heap).
   * The host must not detach `buffer` until `close`.
   */
  open(bytes: number): ArenaRegion;
  /** Called when the outermost scope closes. */
  close(): void;
}

export interface ArenaStats {
  name: string;
  /** Open scopes. */
  depth: number;
  /** Bytes of the current region (0 when no scope is open). */
  capacity: number;
  /** Bytes in use now. */
  used: number;
  /** Largest demand seen (bytes, counting allocations that spilled to the heap). */
  highWater: number;
  /** Allocations served from the arena / spilled to the heap. */
  allocations: number;
  spilled: number;
  /** Outermost scopes opened. */
  scopes: number;
  /** Bytes copied into / out of backend memory by kernels, and calls run on the spare instance (host counters). */
  copiedIn: number;
  copiedOut: number;
  spareCalls: number;
}

const ALIGN = 64;
const align = (x: number) => Math.ceil(x / ALIGN) * ALIGN;
/** The first region asks for at least this much, so small problems are resident from step one. */
const MIN_BYTES = 1 << 20;

const envCheck = (): boolean => {
  if (typeof process === 'undefined' || !process.env) return false;
  return Boolean(process.env.VITEST) || process.env.LMECH_ARENA_CHECK === '1';
};
let check = envCheck();

/** Poison released memory with NaN (default: on in test runs or with LMECH_ARENA_CHECK=1). */
export function setArenaCheck(on: boolean): void {
  check = on;
}

export function arenaCheckEnabled(): boolean {
  return check;
}

/** 0x7fffffff in every 32-bit word: NaN read as f32, and NaN read as f64. */
const POISON = 0x7fffffff;

export class Arena {
  readonly name: string;
  private readonly host: ArenaHost;
  private buffer: ArrayBuffer | null = null;
  private base = 0;
  private end = 0;
  /** Bump pointer (byte offset into buffer). */
  private top = 0;
  /** Demand pointer: top plus every byte that spilled to the heap (≥ top). */
  private demand = 0;
  private depth = 0;
  private readonly marks: number[] = [];
  private highWater = 0;
  private allocations = 0;
  private spilled = 0;
  private scopes = 0;
  /** Counters the host updates (kernel copies). */
  readonly traffic = { copiedIn: 0, copiedOut: 0, spareCalls: 0 };

  constructor(name: string, host: ArenaHost) {
    this.name = name;
    this.host = host;
  }

  /** Whether a scope of this arena is open (its views may be live). */
  get active(): boolean {
    return this.depth > 0;
  }

  enter(): void {
    if (this.depth === 0) {
      const r = this.host.open(Math.max(this.highWater, MIN_BYTES));
      if (r.base % ALIGN !== 0 || r.end < r.base || r.end > r.buffer.byteLength) {
        throw new Error(`arena ${this.name}: host returned a bad region [${r.base}, ${r.end}) of ${r.buffer.byteLength} bytes`);
      }
      this.buffer = r.buffer;
      this.base = r.base;
      this.end = r.end;
      this.top = this.demand = r.base;
      this.scopes++;
    }
    this.marks.push(this.top, this.demand);
    this.depth++;
  }

  exit(): void {
    if (this.depth === 0) throw new Error(`arena ${this.name}: exit without a matching enter`);
    const demand = this.marks.pop()!;
    const top = this.marks.pop()!;
    if (check && this.top > top) new Uint32Array(this.buffer!, top, (this.top - top) / 4).fill(POISON);
    this.top = top;
    this.demand = demand;
    this.depth--;
    if (this.depth === 0) {
      this.buffer = null;
      this.host.close();
    }
  }

  private note(bytes: number): void {
    this.demand += bytes;
    const need = this.demand - this.base;
    if (need > this.highWater) this.highWater = need;
  }

  /** A zero-filled f32/f64 view of n elements, or null (heap fallback) when it does not fit. */
  alloc(dtype: FloatDType, n: number): FloatArray | null {
    if (this.depth === 0 || !(n > 0) || !Number.isInteger(n)) return null;
    const size = align(n * (dtype === 'f32' ? 4 : 8));
    const at = this.top;
    this.note(size);
    if (at + size > this.end) {
      this.spilled++;
      return null;
    }
    this.top = at + size;
    this.allocations++;
    const v = dtype === 'f32' ? new Float32Array(this.buffer!, at, n) : new Float64Array(this.buffer!, at, n);
    v.fill(0);
    return v;
  }

  /**
   * Borrow `bytes` above the bump pointer for a kernel's staging (no zeroing); returns the byte
   * offset, or -1 when it does not fit (the demand is recorded, so the next region will hold it).
   * Release with `popTemp(offset)` before anything else is allocated.
   */
  pushTemp(bytes: number): number {
    if (this.depth === 0) return -1;
    const size = align(bytes);
    const need = this.demand + size - this.base;
    if (need > this.highWater) this.highWater = need;
    const at = this.top;
    if (at + size > this.end) return -1;
    this.top = at + size;
    this.demand += size;
    return at;
  }

  popTemp(at: number, bytes: number): void {
    this.top = at;
    this.demand -= align(bytes);
  }

  /** Whether bytes [offset, offset + length) of the arena's buffer are live (allocated in an open scope). */
  isLive(buffer: ArrayBufferLike, offset: number, length: number): boolean {
    return this.depth > 0 && buffer === this.buffer && offset >= this.base && offset + length <= this.top;
  }

  stats(): ArenaStats {
    return {
      name: this.name,
      depth: this.depth,
      capacity: this.depth > 0 ? this.end - this.base : 0,
      used: this.depth > 0 ? this.top - this.base : 0,
      highWater: this.highWater,
      allocations: this.allocations,
      spilled: this.spilled,
      scopes: this.scopes,
      ...this.traffic,
    };
  }
}

/** The symbol under which a backend exposes its arena (spreading a backend carries it along). */
export const ARENA: unique symbol = Symbol.for('lmech.arena');

/** A host backed by a plain ArrayBuffer, replaced by a larger one when the demand grows. */
function heapHost(): ArenaHost {
  let buffer: ArrayBuffer | null = null;
  return {
    open(bytes) {
      if (!buffer || buffer.byteLength < bytes) buffer = new ArrayBuffer(align(bytes + (bytes >> 3)));
      return { buffer, base: 0, end: buffer.byteLength };
    },
    close() {},
  };
}

let heapArena: Arena | null = null;

/** The arena of a backend (its `[ARENA]` member), else the shared ArrayBuffer arena. */
export function arenaOf(b: object = backend()): Arena {
  const own = (b as { [ARENA]?: unknown })[ARENA];
  if (own instanceof Arena) return own;
  return (heapArena ??= new Arena('heap', heapHost()));
}

/** The arena allocations go to now (null: the JS heap). */
let current: Arena | null = null;

const source = (dtype: FloatDType, n: number): FloatArray | null => (current === null ? null : current.alloc(dtype, n));

function enterAllocation(a: Arena | null): Arena | null {
  const prev = current;
  current = a;
  setFloatSource(a === null ? null : source);
  return prev;
}

/**
 * Run `fn` with float allocations in `arena` (default: the active backend's), releasing them all
 * when it returns or throws. Whatever `fn` returns must not refer to arena memory (return
 * numbers, or heap copies made with `.slice()` or inside `outsideArena`).
 */
export function withArena<T>(fn: () => T, arena: Arena = arenaOf()): T {
  arena.enter();
  const prev = enterAllocation(arena);
  let result: T;
  try {
    result = fn();
  } finally {
    enterAllocation(prev);
    arena.exit();
  }
  if (result instanceof Promise) throw new TypeError('withArena: fn must be synchronous (its tensors are released when it returns)');
  return result;
}

/** Run `fn` with allocation on the JS heap (results may be kept), even inside an arena scope. */
export function outsideArena<T>(fn: () => T): T {
  const prev = enterAllocation(null);
  try {
    return fn();
  } finally {
    enterAllocation(prev);
  }
}

/** Whether allocations go to an arena right now. */
export function inArena(): boolean {
  return current !== null;
}

/** Counters of an arena (default: the active backend's). */
export function arenaStats(arena: Arena = arenaOf()): ArenaStats {
  return arena.stats();
}
