/**
 * Element types. Theory checks run in f64; f32 exists for speed on large models; i32 holds
 * indices (token ids, class labels, gather indices) and is never differentiated.
 */
export type FloatDType = 'f32' | 'f64';
export type DType = FloatDType | 'i32';
export type FloatArray = Float32Array | Float64Array;
/** The storage of a tensor of any dtype. */
export type TensorData = FloatArray | Int32Array;

/** Where float allocations come from inside an arena scope (arena.ts); null → the JS heap. */
export type FloatSource = (dtype: FloatDType, n: number) => FloatArray | null;
let floatSource: FloatSource | null = null;

/** Route float allocations through `s` (null: the JS heap). Used by arena.ts. */
export function setFloatSource(s: FloatSource | null): void {
  floatSource = s;
}

/**
 * Zero-filled storage of n elements. Inside an arena scope (arena.ts: `withArena`) a float
 * array is a view into the arena, released when the scope ends; use `heapAllocate` for data
 * that must outlive any scope (caches).
 */
export function allocate(dtype: FloatDType, n: number): FloatArray;
export function allocate(dtype: DType, n: number): TensorData;
export function allocate(dtype: DType, n: number): TensorData {
  if (floatSource !== null && (dtype === 'f64' || dtype === 'f32')) {
    const a = floatSource(dtype, n);
    if (a !== null) return a;
  }
  return heapAllocate(dtype, n);
}

/** Zero-filled storage of n elements on the JS heap, whether or not an arena scope is open. */
export function heapAllocate(dtype: FloatDType, n: number): FloatArray;
export function heapAllocate(dtype: DType, n: number): TensorData;
export function heapAllocate(dtype: DType, n: number): TensorData {
  if (dtype === 'f32') return new Float32Array(n);
  if (dtype === 'f64') return new Float64Array(n);
  if (dtype === 'i32') return new Int32Array(n);
  throw new Error(`dtype: must be 'f32', 'f64' or 'i32', got ${String(dtype)}`);
}

export function dtypeOf(a: TensorData): DType {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Int32Array) return 'i32';
  return 'f64';
}

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === 'f32' || dtype === 'f64';
}
