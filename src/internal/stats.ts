// The few distribution functions the adaptive cadence needs, in closed form: no dependency
// for three functions, and each accurate far beyond what a poll schedule can tell apart.

/**
 * The standard normal quantile Φ⁻¹(p), by Acklam's rational approximation (relative error
 * under 1.2e-9). `p` is clamped to [1e-12, 1 − 1e-12] so the tails stay finite.
 */
export function normalQuantile(p: number): number {
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (r: number): number =>
    (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) /
    ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
  if (q < 0.02425) return tail(Math.sqrt(-2 * Math.log(q)));
  if (q > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - q)));
  const r = q - 0.5;
  const s = r * r;
  return (
    ((((((a[0]! * s + a[1]!) * s + a[2]!) * s + a[3]!) * s + a[4]!) * s + a[5]!) * r) /
    (((((b[0]! * s + b[1]!) * s + b[2]!) * s + b[3]!) * s + b[4]!) * s + 1)
  );
}

/** The standard normal CDF Φ(z), through erf (Abramowitz & Stegun 7.1.26, error under 1.5e-7). */
export function normalCdf(z: number): number {
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * Student's t quantile with `nu` degrees of freedom, by Hill's (1970) expansion around the
 * normal quantile: within 1% of the exact value from ν = 2 at the 97.5% point, and exact in
 * the limit.
 */
export function studentQuantile(p: number, nu: number): number {
  const z = normalQuantile(p);
  const z2 = z * z;
  const g1 = (z2 + 1) * z;
  const g2 = ((5 * z2 + 16) * z2 + 3) * z;
  const g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z;
  const g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z;
  return z + g1 / (4 * nu) + g2 / (96 * nu ** 2) + g3 / (384 * nu ** 3) + g4 / (92160 * nu ** 4);
}
