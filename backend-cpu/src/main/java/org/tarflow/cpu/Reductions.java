package org.tarflow.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums and whole-tensor statistics. Float lanes add at most {@link #BLOCK} terms before their total is carried into
 * a double, so long rows keep float-rounding-level accuracy (the sum of 10⁶ terms drifts by ~1e-7, not ~1e-4).
 */
final class Reductions {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;
    /** Terms per float partial before it is carried into double. */
    static final int BLOCK = 1024;

    private Reductions() {
    }

    /** Σ x[o..o+n) in double, through float blocks. */
    static double sumRow(boolean simd, float[] x, int o, int n) {
        double total = 0;
        for (int b0 = 0; b0 < n; b0 += BLOCK) {
            int len = Math.min(BLOCK, n - b0);
            int i = 0;
            float part = 0f;
            if (simd) {
                FloatVector acc = FloatVector.zero(F);
                int bound = F.loopBound(len);
                for (; i < bound; i += L) {
                    acc = acc.add(FloatVector.fromArray(F, x, o + b0 + i));
                }
                part = VecMath.sumLanes(acc);
            }
            for (; i < len; i++) {
                part += x[o + b0 + i];
            }
            total += part;
        }
        return total;
    }

    /**
     * acc[0..inner) += Σ_{r in [r0, r1)} x[base + r·inner + (0..inner)], columns [c0, c1) only, through float blocks
     * of {@link #BLOCK}/... rows carried into the double accumulator.
     */
    static void sumColumns(boolean simd, float[] x, int base, int inner, int r0, int r1, int c0, int c1,
                           double[] acc, float[] part) {
        int rowsPerBlock = 64;
        for (int rb = r0; rb < r1; rb += rowsPerBlock) {
            int re = Math.min(r1, rb + rowsPerBlock);
            java.util.Arrays.fill(part, c0, c1, 0f);
            for (int r = rb; r < re; r++) {
                int row = base + r * inner;
                int c = c0;
                if (simd) {
                    int bound = c0 + F.loopBound(c1 - c0);
                    for (; c < bound; c += L) {
                        FloatVector.fromArray(F, x, row + c).add(FloatVector.fromArray(F, part, c)).intoArray(part, c);
                    }
                }
                for (; c < c1; c++) {
                    part[c] += x[row + c];
                }
            }
            for (int c = c0; c < c1; c++) {
                acc[c] += part[c];
            }
        }
    }

    /** {sum, sum of squares, non-finite count, max |x| over finite} of x[o..o+n). */
    static void stats(boolean simd, float[] x, int o, int n, double[] out) {
        double sum = 0;
        double sumSq = 0;
        double bad = 0;
        float maxAbs = 0f;
        for (int b0 = 0; b0 < n; b0 += BLOCK) {
            int len = Math.min(BLOCK, n - b0);
            int i = 0;
            float s = 0f;
            float s2 = 0f;
            if (simd) {
                FloatVector vs = FloatVector.zero(F);
                FloatVector vs2 = FloatVector.zero(F);
                FloatVector vmax = FloatVector.zero(F);
                int bound = F.loopBound(len);
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(F, x, o + b0 + i);
                    VectorMask<Float> finite = v.test(VectorOperators.IS_FINITE);
                    if (!finite.allTrue()) {
                        bad += finite.not().trueCount();
                        v = FloatVector.zero(F).blend(v, finite);
                    }
                    vs = vs.add(v);
                    vs2 = v.fma(v, vs2);
                    vmax = vmax.max(v.abs());
                }
                s = VecMath.sumLanes(vs);
                s2 = VecMath.sumLanes(vs2);
                maxAbs = Math.max(maxAbs, vmax.reduceLanes(VectorOperators.MAX));
            }
            for (; i < len; i++) {
                float v = x[o + b0 + i];
                if (!Float.isFinite(v)) {
                    bad++;
                    continue;
                }
                s += v;
                s2 += v * v;
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            sum += s;
            sumSq += s2;
        }
        out[0] += sum;
        out[1] += sumSq;
        out[2] += bad;
        out[3] = Math.max(out[3], maxAbs);
    }
}
