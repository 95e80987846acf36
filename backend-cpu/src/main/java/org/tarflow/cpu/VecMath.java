package org.tarflow.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * exp and the exact (erf) GELU in float32, as vector functions with scalar twins that evaluate the same formulas.
 * Written here rather than taken from {@code VectorOperators.EXP} so that results do not depend on which JDK (and
 * which SVML stubs) runs them.
 *
 * <p>exp: Cody–Waite range reduction x = k·ln2 + r with k = round(x·log2 e), a degree-6 polynomial for e^r (the
 * Cephes expf coefficients), and 2^k built in the exponent bits; about 1 ulp up to ln(FLT_MAX) ≈ 88.72, +∞ above.
 * Below −87.33 the true value is subnormal and the result is flushed to 0, which softmax and GELU never feel.
 *
 * <p>Φ, the normal CDF: Φ(x) = ½·erfc(−x/√2) with erfc(z) = t·exp(−z² + P(t)), t = 1/(1 + z/2) (the
 * Chebyshev-fitted formula of Numerical Recipes, relative error below 1.2e-7 for every z ≥ 0), so that the negative
 * tail keeps its relative accuracy; gelu'(x) = Φ(x) + x·φ(x).
 *
 * <p>GELU itself, gelu(x) = x·Φ(x), takes a cheaper Φ: on |x| ≤ 5.5, Φ(x) = ½ + x·Q(2x²/5.5² − 1) with Q a
 * degree-14 polynomial (fitted by {@code scripts/gelu-fit.py}), within 2e-7 of Φ in absolute terms; past 5.5, Φ is
 * within 1.9e-8 of 0 or 1 and gelu(x) is taken as 0 or x. No exp and no divide: 13.5 cycles per 16 values against
 * 32 for x·Φ(x) through erfc (one thread, hot). What it gives up is the relative accuracy of the tiny outputs of the
 * negative tail: gelu(−4) ≈ −1.3e-4 comes out 1.5e-7 off, 1.2e-3 of itself (the error stays below 8.7e-7 in absolute
 * terms everywhere). Nothing downstream sees it: a GELU output only ever enters a sum with O(1) terms, and PyTorch's
 * own exact GELU, ½x·(1 + erf(x/√2)) in float, loses as much there to the cancellation in 1 + erf (about 5e-4 of
 * gelu(−4)).
 */
final class VecMath {
    /** Clamp range: k = round(x·log2 e) stays in [−126, 128]; past 88.73 the result is +∞ anyway. */
    private static final float EXP_HI = 88.73f;
    private static final float EXP_LO = -87.33f;
    /** Above this, 2^k is formed as 2^(k−2)·4. */
    private static final float HIGH_SPLIT = 87.0f;
    private static final float LOG2E = 1.44269504088896341f;
    /** 1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer held in the low mantissa bits. */
    private static final float ROUND_MAGIC = 12582912f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    private static final float INV_SQRT2 = 0.70710678118654752f;
    private static final float INV_SQRT_2PI = 0.39894228040143268f;
    // erfc's polynomial, P(t) = E0 + E1·t + … + E9·t⁹: scalar constants, not an array, because C2 folds a static
    // final float into the code but loads a static final array's elements on every call (GELU, one thread, 8192
    // floats: 31.6 → 30.6 cycles per vector)
    private static final float E0 = -1.26551223f;
    private static final float E1 = 1.00002368f;
    private static final float E2 = 0.37409196f;
    private static final float E3 = 0.09678418f;
    private static final float E4 = -0.18628806f;
    private static final float E5 = 0.27886807f;
    private static final float E6 = -1.13520398f;
    private static final float E7 = 1.48851587f;
    private static final float E8 = -0.82215223f;
    private static final float E9 = 0.17087277f;

    /** GELU's polynomial range: past it, Φ is within 1.9e-8 of 0 or 1. */
    private static final float GELU_RANGE = 5.5f;
    /** t = GELU_T_SCALE·x² − 1 maps x² ∈ [0, 5.5²] onto [−1, 1]. */
    private static final float GELU_T_SCALE = 2f / (GELU_RANGE * GELU_RANGE);
    // Q(t) = G0 + G1·t + … + G14·t¹⁴, from scripts/gelu-fit.py (5.5, 14): scalar constants (see E0)
    private static final float G0 = 0.12855193f;
    private static final float G1 = -0.06417248f;
    private static final float G2 = 0.04773699f;
    private static final float G3 = -0.038787268f;
    private static final float G4 = 0.03208174f;
    private static final float G5 = -0.026112467f;
    private static final float G6 = 0.02028797f;
    private static final float G7 = -0.014671373f;
    private static final float G8 = 0.010468653f;
    private static final float G9 = -0.0076746573f;
    private static final float G10 = 0.00423633f;
    private static final float G11 = -0.0012294124f;
    private static final float G12 = 0.0010238815f;
    private static final float G13 = -0.0013688256f;
    private static final float G14 = 0.0005380669f;

    private VecMath() {
    }

    // ------------------------------------------------------------------ exp

    static FloatVector exp(FloatVector x) {
        // clamped by compare and blend: Java's max/min order NaNs and signed zeros, which costs C2 six
        // instructions each; here a NaN fails both compares and passes through as it does through max/min
        FloatVector xc = x.blend(EXP_LO, x.compare(VectorOperators.LT, EXP_LO));
        xc = xc.blend(EXP_HI, xc.compare(VectorOperators.GT, EXP_HI));
        // k = round(x·log2 e) by the 1.5·2^23 trick: the sum's low mantissa bits hold k, and no float↔int
        // conversion is needed (JDK 17 does not compile vector conversions to instructions; it boxes)
        FloatVector v = xc.fma(LOG2E, ROUND_MAGIC);
        FloatVector k = v.sub(ROUND_MAGIC);
        FloatVector r = k.fma(FloatVector.broadcast(x.species(), -LN2_HI), xc).add(k.mul(-LN2_LO));
        FloatVector z = r.mul(r);
        FloatVector y = r.fma(P0, P1);
        y = y.fma(r, FloatVector.broadcast(x.species(), P2));
        y = y.fma(r, FloatVector.broadcast(x.species(), P3));
        y = y.fma(r, FloatVector.broadcast(x.species(), P4));
        y = y.fma(r, FloatVector.broadcast(x.species(), P5));
        y = y.fma(z, r).add(1f);
        // 2^k = (bits(v) + 127) << 23, since bits(v) = bits(1.5·2^23) + k and the magic's low 9 bits are zero.
        // k reaches 128 near ln(FLT_MAX): there 2^(k−2)·4 keeps the exponent field normal.
        VectorMask<Float> high = x.compare(VectorOperators.GT, HIGH_SPLIT);
        FloatVector vAdj = v.sub(FloatVector.zero(x.species()).blend(2f, high));
        FloatVector pow2k = vAdj.reinterpretAsInts().add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector result = y.mul(pow2k);
        result = result.blend(result.mul(4f), high); // overflows to +∞ past ln(FLT_MAX)
        // below −87.33 the true value is subnormal: flush to 0 (NaN compares false and passes through)
        return result.blend(0f, x.compare(VectorOperators.LT, EXP_LO));
    }

    static float exp(float x) {
        if (Float.isNaN(x)) {
            return x;
        }
        if (x < EXP_LO) {
            return 0f;
        }
        float xc = Math.min(EXP_HI, x);
        float v = Math.fma(xc, LOG2E, ROUND_MAGIC);
        float k = v - ROUND_MAGIC;
        float r = Math.fma(k, -LN2_HI, xc) + k * -LN2_LO;
        float z = r * r;
        float y = Math.fma(r, P0, P1);
        y = Math.fma(y, r, P2);
        y = Math.fma(y, r, P3);
        y = Math.fma(y, r, P4);
        y = Math.fma(y, r, P5);
        y = Math.fma(y, z, r) + 1f;
        boolean high = x > HIGH_SPLIT;
        float vAdj = high ? v - 2f : v;
        float result = y * Float.intBitsToFloat((Float.floatToRawIntBits(vAdj) + 127) << 23);
        return high ? result * 4f : result;
    }

    // ------------------------------------------------------------------ lane sums

    private static final VectorShuffle<Float> ROTATE8 = rotation(8);
    private static final VectorShuffle<Float> ROTATE4 = rotation(4);
    private static final VectorShuffle<Float> ROTATE2 = rotation(2);
    private static final VectorShuffle<Float> ROTATE1 = rotation(1);

    private static VectorShuffle<Float> rotation(int by) {
        return VectorShuffle.iota(Simd.F, by % Simd.L, 1, true);
    }

    /**
     * The sum of the lanes as a fixed tree (lane i plus lane i + L/2, then + L/4, ...), so that the JIT and the
     * interpreter add in the same order and a step rounds the same before and after compilation; about four times
     * cheaper than storing the lanes and adding them one by one. Vectors of more than 16 lanes (not on x86) take
     * the sequential path.
     */
    static float sumLanes(FloatVector v) {
        if (Simd.L > 16) {
            float s = 0f;
            for (int i = 0; i < Simd.L; i++) {
                s += v.lane(i);
            }
            return s;
        }
        if (Simd.L >= 16) {
            v = v.add(v.rearrange(ROTATE8));
        }
        if (Simd.L >= 8) {
            v = v.add(v.rearrange(ROTATE4));
        }
        if (Simd.L >= 4) {
            v = v.add(v.rearrange(ROTATE2));
        }
        if (Simd.L >= 2) {
            v = v.add(v.rearrange(ROTATE1));
        }
        return v.lane(0);
    }

    /** The scalar twin of {@link #sumLanes}: the same tree over lanes[0..L). */
    static float sumLanes(float[] lanes) {
        if (Simd.L > 16) {
            float s = 0f;
            for (float x : lanes) {
                s += x;
            }
            return s;
        }
        float[] t = lanes.clone();
        for (int half = Simd.L / 2; half >= 1; half /= 2) {
            for (int i = 0; i < half; i++) {
                t[i] += t[i + half];
            }
        }
        return t[0];
    }

    // ------------------------------------------------------------------ GELU

    /**
     * erfc(z) for z ≥ 0. The degree-9 polynomial in Estrin's scheme (pairs, then t², t⁴, t⁸), not Horner's: nine
     * dependent FMAs were the GELU's critical path. Written out: a loop-carried vector can defeat C2's box elimination.
     */
    private static FloatVector erfcPositive(FloatVector z) {
        FloatVector t = FloatVector.broadcast(z.species(), 1f).div(z.fma(0.5f, 1f));
        FloatVector t2 = t.mul(t);
        FloatVector t4 = t2.mul(t2);
        FloatVector p01 = t.fma(E1, E0);
        FloatVector p23 = t.fma(E3, E2);
        FloatVector p45 = t.fma(E5, E4);
        FloatVector p67 = t.fma(E7, E6);
        FloatVector p89 = t.fma(E9, E8);
        FloatVector p03 = p23.fma(t2, p01);
        FloatVector p47 = p67.fma(t2, p45);
        FloatVector p07 = p47.fma(t4, p03);
        FloatVector poly = p89.fma(t4.mul(t4), p07);
        return t.mul(expNonPositive(poly.sub(z.mul(z))));
    }

    private static float erfcPositive(float z) {
        float t = 1f / Math.fma(z, 0.5f, 1f);
        float t2 = t * t;
        float t4 = t2 * t2;
        float p01 = Math.fma(t, E1, E0);
        float p23 = Math.fma(t, E3, E2);
        float p45 = Math.fma(t, E5, E4);
        float p67 = Math.fma(t, E7, E6);
        float p89 = Math.fma(t, E9, E8);
        float p03 = Math.fma(p23, t2, p01);
        float p47 = Math.fma(p67, t2, p45);
        float p07 = Math.fma(p47, t4, p03);
        float poly = Math.fma(p89, t4 * t4, p07);
        return t * exp(poly - z * z);
    }

    /**
     * {@link #exp(FloatVector)} for arguments that cannot overflow (erfc's exponent −z² + P(t) ≤ 3e-8, a softmax's
     * s − max ≤ 0), bit for bit the same up to 87: with no upper clamp or 2^k split to do, it drops a fifth of the
     * instructions. The shared steps are written out again on purpose: split into helper methods they pushed
     * GELU's call chain (gelu → cdf → erfc → exp) past C2's inlining budget, its vectors were boxed and GELU ran at
     * half speed (1 thread 1.57 → 0.72 Gelem/s).
     */
    static FloatVector expNonPositive(FloatVector x) {
        VectorMask<Float> under = x.compare(VectorOperators.LT, EXP_LO);
        FloatVector xc = x.blend(EXP_LO, under);
        FloatVector v = xc.fma(LOG2E, ROUND_MAGIC);
        FloatVector k = v.sub(ROUND_MAGIC);
        FloatVector r = k.fma(FloatVector.broadcast(x.species(), -LN2_HI), xc).add(k.mul(-LN2_LO));
        FloatVector z = r.mul(r);
        FloatVector y = r.fma(P0, P1);
        y = y.fma(r, FloatVector.broadcast(x.species(), P2));
        y = y.fma(r, FloatVector.broadcast(x.species(), P3));
        y = y.fma(r, FloatVector.broadcast(x.species(), P4));
        y = y.fma(r, FloatVector.broadcast(x.species(), P5));
        y = y.fma(z, r).add(1f);
        FloatVector pow2k = v.reinterpretAsInts().add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(pow2k).blend(0f, under);
    }

    /** Φ(x), the standard normal CDF. */
    static FloatVector cdf(FloatVector x) {
        FloatVector half = erfcPositive(x.abs().mul(INV_SQRT2)).mul(0.5f);
        return half.neg().add(1f).blend(half, x.compare(VectorOperators.LT, 0f));
    }

    private static float cdf(float x) {
        float half = 0.5f * erfcPositive(Math.abs(x) * INV_SQRT2);
        return x < 0 ? half : 1f - half;
    }

    /**
     * gelu(x) = x·Φ(x) with Φ from the polynomial of the class comment, in Estrin's scheme (13.5 cycles per vector,
     * against 16.5 by Horner, whose 14 dependent FMAs were the critical path). Lanes past ±5.5 are replaced, so they
     * need no clamping first; NaN fails both compares and stays NaN.
     */
    static FloatVector gelu(FloatVector x) {
        FloatVector t = x.mul(x).fma(GELU_T_SCALE, -1f);
        FloatVector t2 = t.mul(t);
        FloatVector t4 = t2.mul(t2);
        FloatVector p01 = t.fma(G1, G0);
        FloatVector p23 = t.fma(G3, G2);
        FloatVector p45 = t.fma(G5, G4);
        FloatVector p67 = t.fma(G7, G6);
        FloatVector p89 = t.fma(G9, G8);
        FloatVector p1011 = t.fma(G11, G10);
        FloatVector p1213 = t.fma(G13, G12);
        FloatVector p03 = p23.fma(t2, p01);
        FloatVector p47 = p67.fma(t2, p45);
        FloatVector p811 = p1011.fma(t2, p89);
        FloatVector p1214 = t2.fma(FloatVector.broadcast(x.species(), G14), p1213);
        FloatVector p07 = p47.fma(t4, p03);
        FloatVector p814 = p1214.fma(t4, p811);
        FloatVector q = p814.fma(t4.mul(t4), p07);
        FloatVector y = x.mul(x.fma(q, FloatVector.broadcast(x.species(), 0.5f)));
        y = y.blend(x, x.compare(VectorOperators.GT, GELU_RANGE));
        return y.blend(0f, x.compare(VectorOperators.LT, -GELU_RANGE));
    }

    /** The scalar twin of {@link #gelu(FloatVector)}: the same operations in the same order, so the same bits. */
    static float gelu(float x) {
        if (x > GELU_RANGE) {
            return x;
        }
        if (x < -GELU_RANGE) {
            return 0f;
        }
        float t = Math.fma(x * x, GELU_T_SCALE, -1f);
        float t2 = t * t;
        float t4 = t2 * t2;
        float p01 = Math.fma(t, G1, G0);
        float p23 = Math.fma(t, G3, G2);
        float p45 = Math.fma(t, G5, G4);
        float p67 = Math.fma(t, G7, G6);
        float p89 = Math.fma(t, G9, G8);
        float p1011 = Math.fma(t, G11, G10);
        float p1213 = Math.fma(t, G13, G12);
        float p03 = Math.fma(p23, t2, p01);
        float p47 = Math.fma(p67, t2, p45);
        float p811 = Math.fma(p1011, t2, p89);
        float p1214 = Math.fma(t2, G14, p1213);
        float p07 = Math.fma(p47, t4, p03);
        float p814 = Math.fma(p1214, t4, p811);
        float q = Math.fma(p814, t4 * t4, p07);
        return x * Math.fma(x, q, 0.5f);
    }

    /** φ(x), the standard normal density. */
    static FloatVector pdf(FloatVector x) {
        return exp(x.mul(x).mul(-0.5f)).mul(INV_SQRT_2PI);
    }

    /** Φ(x) + x·φ(x). (The backward kernel takes Φ from the forward output instead; see Elementwise.) */
    static FloatVector geluDerivative(FloatVector x) {
        return x.fma(pdf(x), cdf(x));
    }

    static float geluDerivative(float x) {
        float pdf = exp(-0.5f * x * x) * INV_SQRT_2PI;
        return Math.fma(x, pdf, cdf(x));
    }
}
