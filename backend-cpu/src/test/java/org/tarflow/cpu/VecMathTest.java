package org.tarflow.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.tarflow.tensor.reference.Erf;

/**
 * The vector math against float64 oracles, and each vector function against its scalar twin (they evaluate the same
 * formula, so they agree to the last bit or two; FMA contraction may differ).
 */
class VecMathTest {
    private static float[] grid(float lo, float hi, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = lo + (hi - lo) * i / (n - 1);
        }
        return x;
    }

    private static float[] vector(float[] x, java.util.function.UnaryOperator<FloatVector> f) {
        float[] out = new float[x.length];
        int i = 0;
        for (; i + Simd.L <= x.length; i += Simd.L) {
            f.apply(FloatVector.fromArray(Simd.F, x, i)).intoArray(out, i);
        }
        for (; i < x.length; i++) {
            float[] one = new float[Simd.L];
            one[0] = x[i];
            float[] r = new float[Simd.L];
            f.apply(FloatVector.fromArray(Simd.F, one, 0)).intoArray(r, 0);
            out[i] = r[0];
        }
        return out;
    }

    @Test
    void laneSumsAddInTheSameFixedTreeAsTheirScalarTwin() {
        java.util.Random rng = new java.util.Random(4);
        for (int trial = 0; trial < 10_000; trial++) {
            float[] lanes = new float[Simd.L];
            for (int i = 0; i < lanes.length; i++) {
                // mixed magnitudes, so that a different order of additions would round differently
                lanes[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(9) - 4));
            }
            float tree = VecMath.sumLanes(FloatVector.fromArray(Simd.F, lanes, 0));
            assertEquals(Float.floatToIntBits(VecMath.sumLanes(lanes)), Float.floatToIntBits(tree),
                    () -> "lanes " + java.util.Arrays.toString(lanes));
            double exact = 0;
            for (float x : lanes) {
                exact += x;
            }
            double scale = 0;
            for (float x : lanes) {
                scale += Math.abs(x);
            }
            // L − 1 roundings at most, each within 2^-24 of a partial sum bounded by Σ|x|
            assertTrue(Math.abs(tree - exact) <= Simd.L * 0x1p-24 * scale, "tree sum far from the exact sum");
        }
    }

    @Test
    void expIsWithinTwoUlpsAndHandlesTheEdges() {
        float[] x = grid(-87.3f, 88.7f, 100_003);
        float[] v = vector(x, VecMath::exp);
        double worstUlps = 0;
        for (int i = 0; i < x.length; i++) {
            double truth = Math.exp(x[i]);
            double ulps = Math.abs(v[i] - truth) / Math.ulp((float) truth);
            worstUlps = Math.max(worstUlps, ulps);
            assertEquals(v[i], VecMath.exp(x[i]), Math.ulp(v[i]) * 2, "scalar twin at " + x[i]);
        }
        System.out.printf("  exp: worst error %.2f ulp on [-87.3, 88.7]%n", worstUlps);
        assertTrue(worstUlps <= 2.0, "exp error " + worstUlps + " ulp");
        float[] edges = {Float.NEGATIVE_INFINITY, -1000f, -88f, 88.8f, 1000f, Float.POSITIVE_INFINITY, Float.NaN, 0f};
        float[] e = vector(edges, VecMath::exp);
        float[] want = {0f, 0f, 0f, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN, 1f};
        for (int i = 0; i < edges.length; i++) {
            assertEquals(want[i], e[i], "vector exp(" + edges[i] + ")");
            assertEquals(want[i], VecMath.exp(edges[i]), "scalar exp(" + edges[i] + ")");
        }
    }

    @Test
    void expWithoutOverflowHandlingIsBitForBitTheGeneralExpUpTo87() {
        float[] x = grid(-100f, 87f, 200_003);
        float[] edges = {Float.NEGATIVE_INFINITY, -87.34f, -87.33f, -87.32f, -0f, 0f, Float.NaN, Float.MIN_VALUE,
            -Float.MIN_VALUE};
        for (float[] xs : new float[][] {x, edges}) {
            float[] general = vector(xs, VecMath::exp);
            float[] fast = vector(xs, VecMath::expNonPositive);
            for (int i = 0; i < xs.length; i++) {
                assertEquals(Float.floatToIntBits(general[i]), Float.floatToIntBits(fast[i]), "exp(" + xs[i] + ")");
            }
        }
    }

    /** erfc(z), z ≥ 0, in double: 1 − erf below 2 (erfc ≥ 5e-3 there), else the continued fraction of its tail. */
    private static double erfcOracle(double z) {
        if (z < 2) {
            return 1 - Erf.erf(z);
        }
        double k = z;
        for (int n = 200; n >= 1; n--) {
            k = z + (n / 2.0) / k;
        }
        return Math.exp(-z * z) / Math.sqrt(Math.PI) / k;
    }

    @Test
    void normalCdfKeepsItsRelativeAccuracyDeepInTheNegativeTail() {
        // Φ(x) = ½·erfc(−x/√2) is computed from erfc, not as 1 − ½·erfc, so that GELU's negative tail keeps a
        // relative accuracy (1 − ½·erfc would lose all of it below x ≈ −5.5). What float arithmetic allows: z = |x|/√2
        // carries two roundings (1.2e-7 relative), z² doubles that and adds its own (6e-8), and exp(−z²) turns an
        // error δ in z² into a relative error δ: 3e-7·z²; plus the formula's 1.2e-7, exp's ulp and the final
        // products, within 5e-7. Φ(−13) ≈ 6e-39 is about the last normal float.
        float[] x = grid(-13f, 0f, 50_001);
        float[] phi = vector(x, VecMath::cdf);
        double worstShare = 0;
        for (int i = 0; i < x.length; i++) {
            double z = -x[i] / Math.sqrt(2);
            double truth = 0.5 * erfcOracle(z);
            double rel = Math.abs(phi[i] - truth) / truth;
            double bound = 3e-7 * z * z + 5e-7;
            worstShare = Math.max(worstShare, rel / bound);
            assertTrue(rel <= bound, "Φ(" + x[i] + "): relative error " + rel + " > " + bound);
        }
        System.out.printf("  Φ: worst relative error at %.0f%% of its bound on [-13, 0]%n", 100 * worstShare);
    }

    @Test
    void geluAndItsDerivativeMatchTheFloat64Oracle() {
        float[] x = grid(-12f, 12f, 100_001);
        float[] g = vector(x, VecMath::gelu);
        float[] d = vector(x, VecMath::geluDerivative);
        double worstG = 0;
        double worstShare = 0;
        double worstD = 0;
        for (int i = 0; i < x.length; i++) {
            double errG = Math.abs(g[i] - Erf.gelu(x[i]));
            // gelu = x·Φ with a polynomial Φ within 1.7e-7 in absolute terms (the fit's 4e-8 and the roundings of
            // its Estrin evaluation, partial sums below 0.4) and the product's half ulp (6e-8 of |gelu| ≤ |x|):
            // 2.5e-7·|x|, or 2.5e-7 where |x| < 1. Past ±5.5 the result is x or 0, off by Φ's 1.9e-8 tail.
            double bound = 2.5e-7 * Math.max(1, Math.abs(x[i]));
            worstG = Math.max(worstG, errG);
            worstShare = Math.max(worstShare, errG / bound);
            assertTrue(errG <= bound, "gelu(" + x[i] + "): error " + errG + " > " + bound);
            worstD = Math.max(worstD, Math.abs(d[i] - Erf.geluDerivative(x[i])));
            assertEquals(Float.floatToIntBits(g[i]), Float.floatToIntBits(VecMath.gelu(x[i])),
                    "scalar twin gelu at " + x[i]);
            assertEquals(d[i], VecMath.geluDerivative(x[i]), 1e-6, "scalar twin gelu' at " + x[i]);
        }
        System.out.printf("  gelu: worst |error| %.2e (%.0f%% of its bound), gelu': %.2e on [-12, 12]%n", worstG,
                100 * worstShare, worstD);
        assertTrue(worstD < 1e-6, "gelu' error " + worstD);
    }

    @Test
    void geluTailsAndEdgesAreExact() {
        float[] x = {5.5000005f, 6f, 12f, 1e30f, Float.MAX_VALUE, Float.POSITIVE_INFINITY, -5.5000005f, -6f, -1e30f,
            -Float.MAX_VALUE, Float.NEGATIVE_INFINITY, 0f, Float.NaN, 5.5f, -5.5f};
        float[] g = vector(x, VecMath::gelu);
        for (int i = 0; i < x.length; i++) {
            float want = Float.isNaN(x[i]) ? Float.NaN : x[i] > 5.5f ? x[i] : x[i] < -5.5f ? 0f : VecMath.gelu(x[i]);
            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(g[i]), "gelu(" + x[i] + ")");
            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(VecMath.gelu(x[i])),
                    "scalar gelu(" + x[i] + ")");
        }
        // at the range's edges the polynomial meets the tails within the error bound
        assertEquals(5.5, VecMath.gelu(5.5f), 2.5e-7 * 5.5);
        assertEquals(0, VecMath.gelu(-5.5f), 2.5e-7 * 5.5);
    }
    /** The GELU backward kernel recovers Φ(x) from the forward output (y/x); it must still match the oracle. */
    @Test
    void geluBackwardFromTheForwardOutputMatchesTheFloat64Oracle() {
        float[] grid = grid(-40f, 40f, 200_001);
        float[] edges = {0f, -0f, 1e-30f, -1e-30f, 1e-7f, -1e-7f, 30f, -30f, 30.5f, -30.5f, Float.MAX_VALUE,
            -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        float[] x = java.util.Arrays.copyOf(grid, grid.length + edges.length);
        System.arraycopy(edges, 0, x, grid.length, edges.length);
        float[] y = new float[x.length];
        Elementwise.unary(true, org.tarflow.tensor.UnaryOp.GELU, x, 0, y, 0, x.length);
        float[] ones = new float[x.length];
        java.util.Arrays.fill(ones, 1f);
        float[] d = new float[x.length];
        Elementwise.unaryBackward(true, org.tarflow.tensor.UnaryOp.GELU, x, 0, y, 0, ones, 0, d, 0, x.length, false);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            if (Float.isNaN(x[i])) {
                assertTrue(Float.isNaN(d[i]), "gelu'(NaN) must be NaN");
                continue;
            }
            double truth = Float.isInfinite(x[i]) ? (x[i] > 0 ? 1 : 0) : Erf.geluDerivative(x[i]);
            worst = Math.max(worst, Math.abs(d[i] - truth));
            // Φ from y/x carries two roundings (y's and the quotient's) plus the erfc formula's 1.2e-7; the x·φ
            // term reaches 0.24, rounded to 2^-24 relative: 4e-7 covers all of them
            assertEquals(truth, d[i], 4e-7, "gelu'(" + x[i] + ")");
        }
        System.out.printf("  gelu' from y/x: worst |error| %.2e on [-40, 40] and the edges%n", worst);
    }
}
