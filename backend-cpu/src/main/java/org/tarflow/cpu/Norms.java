package org.tarflow.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row kernels: LayerNorm forward/backward and softmax forward/backward, one row per call, each fused into two or
 * three passes over a row that stays in L1. Statistics are float32, as in the reference (PyTorch computes LayerNorm
 * statistics in float for float inputs).
 */
final class Norms {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;

    private Norms() {
    }

    private static float sum(boolean simd, float[] x, int o, int n) {
        int i = 0;
        float s = 0f;
        if (simd) {
            FloatVector acc = FloatVector.zero(F);
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                acc = acc.add(FloatVector.fromArray(F, x, o + i));
            }
            s = VecMath.sumLanes(acc);
        }
        for (; i < n; i++) {
            s += x[o + i];
        }
        return s;
    }

    /** LayerNorm of one row: writes y, and the row's mean and 1/std at mean[mi], rstd[ri]. */
    static void layerNormRow(boolean simd, float[] x, int xo, float[] g, int go, float[] b, int bo, float eps, int n,
                             float[] y, int yo, float[] mean, int mi, float[] rstd, int ri) {
        float mu = sum(simd, x, xo, n) / n;
        // second pass on deviations: no cancellation when |mean| ≫ std
        int i = 0;
        float var = 0f;
        if (simd) {
            FloatVector acc = FloatVector.zero(F);
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                FloatVector d = FloatVector.fromArray(F, x, xo + i).sub(mu);
                acc = d.fma(d, acc);
            }
            var = VecMath.sumLanes(acc);
        }
        for (; i < n; i++) {
            float d = x[xo + i] - mu;
            var += d * d;
        }
        var /= n;
        float inv = (float) (1.0 / Math.sqrt(var + eps));
        mean[mi] = mu;
        rstd[ri] = inv;
        i = 0;
        if (simd) {
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, xo + i).sub(mu).mul(inv);
                if (g != null) {
                    v = v.mul(FloatVector.fromArray(F, g, go + i));
                }
                if (b != null) {
                    v = v.add(FloatVector.fromArray(F, b, bo + i));
                }
                v.intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            float v = (x[xo + i] - mu) * inv;
            if (g != null) {
                v *= g[go + i];
            }
            if (b != null) {
                v += b[bo + i];
            }
            y[yo + i] = v;
        }
    }

    /**
     * LayerNorm backward for one row: gx (if not null) written; gγ and gβ partials (if not null) accumulated into
     * pg/pb [n].
     *
     * <pre>
     *   x̂ = (x − μ)·rstd      d̂ = gy·γ
     *   gx = rstd·(d̂ − mean(d̂) − x̂·mean(d̂·x̂))      gγ += gy·x̂      gβ += gy
     * </pre>
     */
    static void layerNormBackwardRow(boolean simd, float[] x, int xo, float[] g, int go, float mu, float inv,
                                     float[] gy, int gyo, int n, float[] gx, int gxo, float[] pg, float[] pb) {
        int i = 0;
        float sumD = 0f;
        float sumDX = 0f;
        if (simd) {
            FloatVector aD = FloatVector.zero(F);
            FloatVector aDX = FloatVector.zero(F);
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                FloatVector xh = FloatVector.fromArray(F, x, xo + i).sub(mu).mul(inv);
                FloatVector gv = FloatVector.fromArray(F, gy, gyo + i);
                if (pg != null) {
                    xh.fma(gv, FloatVector.fromArray(F, pg, i)).intoArray(pg, i);
                }
                if (pb != null) {
                    gv.add(FloatVector.fromArray(F, pb, i)).intoArray(pb, i);
                }
                FloatVector d = g == null ? gv : gv.mul(FloatVector.fromArray(F, g, go + i));
                aD = aD.add(d);
                aDX = d.fma(xh, aDX);
            }
            sumD = VecMath.sumLanes(aD);
            sumDX = VecMath.sumLanes(aDX);
        }
        for (; i < n; i++) {
            float xh = (x[xo + i] - mu) * inv;
            float gv = gy[gyo + i];
            if (pg != null) {
                pg[i] += gv * xh;
            }
            if (pb != null) {
                pb[i] += gv;
            }
            float d = g == null ? gv : gv * g[go + i];
            sumD += d;
            sumDX += d * xh;
        }
        if (gx == null) {
            return;
        }
        float meanD = sumD / n;
        float meanDX = sumDX / n;
        i = 0;
        if (simd) {
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                FloatVector xh = FloatVector.fromArray(F, x, xo + i).sub(mu).mul(inv);
                FloatVector gv = FloatVector.fromArray(F, gy, gyo + i);
                FloatVector d = g == null ? gv : gv.mul(FloatVector.fromArray(F, g, go + i));
                d.sub(meanD).sub(xh.mul(meanDX)).mul(inv).intoArray(gx, gxo + i);
            }
        }
        for (; i < n; i++) {
            float xh = (x[xo + i] - mu) * inv;
            float d = g == null ? gy[gyo + i] : gy[gyo + i] * g[go + i];
            gx[gxo + i] = (d - meanD - xh * meanDX) * inv;
        }
    }

    /** Row softmax, max-subtracted. y may be x. */
    static void softmaxRow(boolean simd, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        float max = Float.NEGATIVE_INFINITY;
        if (simd) {
            FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                m = m.max(FloatVector.fromArray(F, x, xo + i));
            }
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            max = Math.max(max, x[xo + i]);
        }
        i = 0;
        float sum = 0f;
        if (simd) {
            FloatVector acc = FloatVector.zero(F);
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                FloatVector e = VecMath.exp(FloatVector.fromArray(F, x, xo + i).sub(max));
                e.intoArray(y, yo + i);
                acc = acc.add(e);
            }
            sum = VecMath.sumLanes(acc);
        }
        for (; i < n; i++) {
            float e = VecMath.exp(x[xo + i] - max);
            y[yo + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        i = 0;
        if (simd) {
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                FloatVector.fromArray(F, y, yo + i).mul(inv).intoArray(y, yo + i);
            }
        }
        for (; i < n; i++) {
            y[yo + i] *= inv;
        }
    }

    /** gx = y ⊙ (gy − Σ gy·y) for one row. gx may be gy. */
    static void softmaxBackwardRow(boolean simd, float[] y, int yo, float[] gy, int gyo, float[] gx, int gxo, int n) {
        int i = 0;
        float dot = 0f;
        if (simd) {
            FloatVector acc = FloatVector.zero(F);
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                acc = FloatVector.fromArray(F, y, yo + i).fma(FloatVector.fromArray(F, gy, gyo + i), acc);
            }
            dot = VecMath.sumLanes(acc);
        }
        for (; i < n; i++) {
            dot += y[yo + i] * gy[gyo + i];
        }
        i = 0;
        if (simd) {
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                FloatVector.fromArray(F, gy, gyo + i).sub(dot).mul(FloatVector.fromArray(F, y, yo + i)).intoArray(gx, gxo + i);
            }
        }
        for (; i < n; i++) {
            gx[gxo + i] = y[yo + i] * (gy[gyo + i] - dot);
        }
    }
}
