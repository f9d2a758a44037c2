/** Input checks shared by the statistics (internal: not exported from the package). */

export function finiteArray(name: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new RangeError(
        `Glassbox drift: ${name} must contain finite numbers only (index ${i} is ${String(v)})`,
      );
  }
}

export function normalise(name: string, values: ArrayLike<number>): Float64Array {
  finiteArray(name, values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < 0) throw new RangeError(`Glassbox drift: ${name} must not contain negative values`);
    sum += v;
  }
  if (!(sum > 0)) throw new RangeError(`Glassbox drift: ${name} must have a positive sum`);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = (values[i] as number) / sum;
  return out;
}

export function sameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length || a.length === 0)
    throw new RangeError(
      `Glassbox drift: the two distributions need the same, non-zero number of bins (${a.length} vs ${b.length})`,
    );
}

export function sortedCopy(name: string, values: ArrayLike<number>): Float64Array {
  if (values.length === 0) throw new RangeError(`Glassbox drift: ${name} must not be empty`);
  finiteArray(name, values);
  const out = Float64Array.from(values as ArrayLike<number>);
  out.sort();
  return out;
}
