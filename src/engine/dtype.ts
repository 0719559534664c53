/** Element types. Theory checks run in f64; f32 exists for speed on large models. */
export type DType = 'f32' | 'f64';
export type FloatArray = Float32Array | Float64Array;

export function allocate(dtype: DType, n: number): FloatArray {
  return dtype === 'f32' ? new Float32Array(n) : new Float64Array(n);
}

export function dtypeOf(a: FloatArray): DType {
  return a instanceof Float32Array ? 'f32' : 'f64';
}
