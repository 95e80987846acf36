package org.tarflow.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.tarflow.tensor.AttentionSpec;

/**
 * Fused attention, one (batch, head) pair per call, reading q, k, v straight out of the packed projection
 * [B, T, 3C] and writing heads side by side into [B, T, C], so no head split or merge is ever materialised.
 *
 * <p>Keys (and, for the backward pass, values) are first transposed into [d, Tp] scratch (Tp = T rounded up to the
 * vector length, zero-padded), so that a query's scores against all keys are d vector FMAs per L keys instead of one
 * horizontal reduction per key. Scores past the causal limit are set to −∞ and vanish in the exponential.
 */
final class AttentionKernels {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;

    /** Per-thread scratch: transposed K, transposed V, one score row, one gradient row. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[4][0]);

    private AttentionKernels() {
    }

    private static float[][] scratch(int ktSize, int rowSize) {
        float[][] s = SCRATCH.get();
        if (s[0].length < ktSize) {
            s[0] = new float[ktSize];
            s[1] = new float[ktSize];
        }
        if (s[2].length < rowSize) {
            s[2] = new float[rowSize];
            s[3] = new float[rowSize];
        }
        return s;
    }

    static int padded(int t) {
        return (t + L - 1) / L * L;
    }

    private static float dot(boolean simd, float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        float s = 0f;
        if (simd) {
            FloatVector acc = FloatVector.zero(F);
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
            }
            s = VecMath.sumLanes(acc);
        }
        for (; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    /** y[yo..yo+n) += alpha·x[xo..xo+n). */
    private static void axpy(boolean simd, float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        if (simd) {
            int bound = F.loopBound(n);
            FloatVector av = FloatVector.broadcast(F, alpha);
            for (; i < bound; i += L) {
                FloatVector.fromArray(F, x, xo + i).fma(av, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }

    /** dst[e·tp + j] = src[base + j·stride + e] for j < t, e < d; zero for t ≤ j < tp. */
    private static void transpose(float[] src, int base, int stride, int t, int d, float[] dst, int tp) {
        for (int e = 0; e < d; e++) {
            int row = e * tp;
            for (int j = 0; j < t; j++) {
                dst[row + j] = src[base + j * stride + e];
            }
            for (int j = t; j < tp; j++) {
                dst[row + j] = 0f;
            }
        }
    }

    /** s[0..tp) = Σ_e coef[co + e]·mt[e·tp + (0..tp)], scaled. */
    private static void rowTimesTransposed(boolean simd, float[] coef, int co, float scale, float[] mt, int d, int tp,
                                           int limit, float[] s) {
        int lim = simd ? padded(limit) : limit;
        java.util.Arrays.fill(s, 0, lim, 0f);
        for (int e = 0; e < d; e++) {
            float c = scale * coef[co + e];
            int row = e * tp;
            if (simd) {
                FloatVector cv = FloatVector.broadcast(F, c);
                for (int j = 0; j < lim; j += L) {
                    FloatVector.fromArray(F, mt, row + j).fma(cv, FloatVector.fromArray(F, s, j)).intoArray(s, j);
                }
            } else {
                for (int j = 0; j < lim; j++) {
                    s[j] += c * mt[row + j];
                }
            }
        }
    }

    /** In place: s[j] = exp(s[j] − shift) for j < visible, 0 for visible ≤ j < padded(visible). Returns the sum. */
    private static float expShifted(boolean simd, float[] s, int visible, float shift) {
        float sum = 0f;
        if (simd) {
            int lim = padded(visible);
            for (int j = visible; j < lim; j++) {
                s[j] = Float.NEGATIVE_INFINITY;
            }
            return expInPlace(s, 0, lim, shift);
        }
        for (int j = 0; j < visible; j++) {
            s[j] = VecMath.exp(s[j] - shift);
            sum += s[j];
        }
        return sum;
    }

    /**
     * Score-row helpers of the vector paths, over s[o, o + lim) with lim a multiple of L. This one sets the padding
     * s[o + visible, o + lim) to −∞ and returns the row's maximum (a vector max: exact in any order).
     */
    private static float maxPadded(float[] s, int o, int visible, int lim) {
        for (int j = visible; j < lim; j++) {
            s[o + j] = Float.NEGATIVE_INFINITY;
        }
        FloatVector mv = FloatVector.fromArray(F, s, o);
        for (int j = L; j < lim; j += L) {
            mv = mv.max(FloatVector.fromArray(F, s, o + j));
        }
        return mv.reduceLanes(VectorOperators.MAX);
    }

    /**
     * In place s[o + j] = exp(s[o + j] − shift) for j < lim (−∞ padding becomes 0), shift ≥ every s; returns their
     * sum.
     */
    private static float expInPlace(float[] s, int o, int lim, float shift) {
        FloatVector acc = FloatVector.zero(F);
        for (int j = 0; j < lim; j += L) {
            FloatVector e = VecMath.expNonPositive(FloatVector.fromArray(F, s, o + j).sub(shift));
            e.intoArray(s, o + j);
            acc = acc.add(e);
        }
        return VecMath.sumLanes(acc);
    }

    private static float max(float[] s, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            m = Math.max(m, s[j]);
        }
        return m;
    }

    //   s_ij = scale·q_i·k_j (j visible)   p = softmax_j(s)   o_i = Σ_j p_ij v_j   lse_i = log Σ_j exp(s_ij)
    static void forward(boolean simd, AttentionSpec sp, int b, int h, float[] qkv, int qo, float[] out, int oo,
                        float[] lse, int lo) {
        int t = sp.tokens();
        int d = sp.headDim();
        int c = sp.width();
        int c3 = 3 * c;
        int tp = padded(t);
        float scale = (float) sp.scale();
        float[][] sc = scratch(d * tp, tp);
        float[] kt = sc[0];
        float[] s = sc[2];
        int base = qo + b * t * c3;
        transpose(qkv, base + c + h * d, c3, t, d, kt, tp);
        for (int i = 0; i < t; i++) {
            int visible = sp.causal() ? i + 1 : t;
            rowTimesTransposed(simd, qkv, base + i * c3 + h * d, scale, kt, d, tp, visible, s);
            float m = max(s, visible);
            float sum = expShifted(simd, s, visible, m);
            lse[lo + (b * sp.heads() + h) * t + i] = m + (float) Math.log(sum);
            int orow = oo + (b * t + i) * c + h * d;
            java.util.Arrays.fill(out, orow, orow + d, 0f);
            for (int j = 0; j < visible; j++) {
                axpy(simd, s[j], qkv, base + j * c3 + 2 * c + h * d, out, orow, d);
            }
            float inv = 1f / sum;
            for (int e = 0; e < d; e++) {
                out[orow + e] *= inv;
            }
        }
    }

    //   p_ij = exp(s_ij − lse_i)    dp_ij = gO_i·v_j    D_i = gO_i·o_i    ds_ij = p_ij (dp_ij − D_i)
    //   gq_i = scale Σ_j ds_ij k_j    gk_j += scale ds_ij q_i    gv_j += p_ij gO_i
    static void backward(boolean simd, AttentionSpec sp, int b, int h, float[] qkv, int qo, float[] out, int oo,
                         float[] lse, int lo, float[] gOut, int go, float[] gQkv, int gq) {
        int t = sp.tokens();
        int d = sp.headDim();
        int c = sp.width();
        int c3 = 3 * c;
        int tp = padded(t);
        float scale = (float) sp.scale();
        float[][] sc = scratch(d * tp, tp);
        float[] kt = sc[0];
        float[] vt = sc[1];
        float[] p = sc[2];
        float[] dp = sc[3];
        int base = qo + b * t * c3;
        int gbase = gq + b * t * c3;
        for (int j = 0; j < t; j++) {
            for (int part = 0; part < 3; part++) {
                int o = gbase + j * c3 + part * c + h * d;
                java.util.Arrays.fill(gQkv, o, o + d, 0f);
            }
        }
        transpose(qkv, base + c + h * d, c3, t, d, kt, tp);
        transpose(qkv, base + 2 * c + h * d, c3, t, d, vt, tp);
        for (int i = 0; i < t; i++) {
            int visible = sp.causal() ? i + 1 : t;
            int qrow = base + i * c3 + h * d;
            int grow = go + (b * t + i) * c + h * d;
            int orow = oo + (b * t + i) * c + h * d;
            rowTimesTransposed(simd, qkv, qrow, scale, kt, d, tp, visible, p);
            expShifted(simd, p, visible, lse[lo + (b * sp.heads() + h) * t + i]);
            rowTimesTransposed(simd, gOut, grow, 1f, vt, d, tp, visible, dp);
            float dd = dot(simd, gOut, grow, out, orow, d);
            int gqRow = gbase + i * c3 + h * d;
            for (int j = 0; j < visible; j++) {
                float ds = p[j] * (dp[j] - dd);
                int krow = base + j * c3 + c + h * d;
                axpy(simd, scale * ds, qkv, krow, gQkv, gqRow, d);
                axpy(simd, scale * ds, qkv, qrow, gQkv, gbase + j * c3 + c + h * d, d);
                axpy(simd, p[j], gOut, grow, gQkv, gbase + j * c3 + 2 * c + h * d, d);
            }
        }
    }

    /** One decoding step for sequence b, head h: see {@link org.tarflow.tensor.Backend#attentionDecode}. */
    static void decode(boolean simd, AttentionSpec sp, int b, int h, float[] qkv, int qo, float[] kc, int ko,
                       float[] vc, int vo, int position, float scale, float[] out, int oo) {
        int cap = sp.tokens();
        int d = sp.headDim();
        int c = sp.width();
        int row = qo + b * 3 * c;
        int slot = (b * cap + position) * c + h * d;
        System.arraycopy(qkv, row + c + h * d, kc, ko + slot, d);
        System.arraycopy(qkv, row + 2 * c + h * d, vc, vo + slot, d);
        if (simd && d == 4 * L) {
            decodeFourVectors(sp, b, h, qkv, row + h * d, kc, ko, vc, vo, position, scale, out, oo + b * c + h * d);
            return;
        }
        float[][] sc = scratch(0, padded(position + 1));
        float[] s = sc[2];
        for (int j = 0; j <= position; j++) {
            s[j] = scale * dot(simd, qkv, row + h * d, kc, ko + (b * cap + j) * c + h * d, d);
        }
        float m = max(s, position + 1);
        float sum = expShifted(simd, s, position + 1, m);
        int orow = oo + b * c + h * d;
        java.util.Arrays.fill(out, orow, orow + d, 0f);
        for (int j = 0; j <= position; j++) {
            axpy(simd, s[j], vc, vo + (b * cap + j) * c + h * d, out, orow, d);
        }
        float inv = 1f / sum;
        for (int e = 0; e < d; e++) {
            out[orow + e] *= inv;
        }
    }

    /**
     * {@link #decode} for heads of exactly four vectors (64 floats with 512-bit vectors), with q and the output row
     * held in registers: a score is four FMAs and a tree sum, a value row four FMAs, and nothing goes through memory
     * per key but the cached row itself (the general path stored and reloaded the output row for every key).
     */
    private static void decodeFourVectors(AttentionSpec sp, int b, int h, float[] qkv, int qRow, float[] kc, int ko,
                                          float[] vc, int vo, int position, float scale, float[] out, int orow) {
        int cap = sp.tokens();
        int c = sp.width();
        int n = position + 1;
        int lim = padded(n);
        float[] s = scratch(0, lim)[2];
        FloatVector q0 = FloatVector.fromArray(F, qkv, qRow).mul(scale);
        FloatVector q1 = FloatVector.fromArray(F, qkv, qRow + L).mul(scale);
        FloatVector q2 = FloatVector.fromArray(F, qkv, qRow + 2 * L).mul(scale);
        FloatVector q3 = FloatVector.fromArray(F, qkv, qRow + 3 * L).mul(scale);
        int kBase = ko + b * cap * c + h * 4 * L;
        for (int j = 0; j < n; j++) {
            int k = kBase + j * c;
            FloatVector acc = q0.mul(FloatVector.fromArray(F, kc, k));
            acc = q1.fma(FloatVector.fromArray(F, kc, k + L), acc);
            acc = q2.fma(FloatVector.fromArray(F, kc, k + 2 * L), acc);
            acc = q3.fma(FloatVector.fromArray(F, kc, k + 3 * L), acc);
            s[j] = VecMath.sumLanes(acc);
        }
        float max = maxPadded(s, 0, n, lim);
        float inv = 1f / expInPlace(s, 0, lim, max);
        FloatVector o0 = FloatVector.zero(F);
        FloatVector o1 = FloatVector.zero(F);
        FloatVector o2 = FloatVector.zero(F);
        FloatVector o3 = FloatVector.zero(F);
        int vBase = vo + b * cap * c + h * 4 * L;
        for (int j = 0; j < n; j++) {
            int v = vBase + j * c;
            FloatVector p = FloatVector.broadcast(F, s[j]);
            o0 = p.fma(FloatVector.fromArray(F, vc, v), o0);
            o1 = p.fma(FloatVector.fromArray(F, vc, v + L), o1);
            o2 = p.fma(FloatVector.fromArray(F, vc, v + 2 * L), o2);
            o3 = p.fma(FloatVector.fromArray(F, vc, v + 3 * L), o3);
        }
        o0.mul(inv).intoArray(out, orow);
        o1.mul(inv).intoArray(out, orow + L);
        o2.mul(inv).intoArray(out, orow + 2 * L);
        o3.mul(inv).intoArray(out, orow + 3 * L);
    }
}
