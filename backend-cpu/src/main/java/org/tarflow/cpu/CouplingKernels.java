package org.tarflow.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * TarFlow's causal affine step, one token row at a time: z = (x − μ)·exp(−α) with (α, μ) read from the previous
 * token's row of the parameters, and its gradients. Vector loops with scalar tails that evaluate the same formulas.
 */
final class CouplingKernels {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;

    private CouplingKernels() {
    }

    /** One token row: z[zo..zo+dim) from x and the parameter row at po (α at po, μ at po + muOff). */
    static void forwardRow(boolean simd, float[] x, int xo, float[] p, int po, int muOff, boolean withScale, int dim,
                           float[] z, int zo) {
        int d = 0;
        if (simd) {
            int bound = F.loopBound(dim);
            if (withScale) {
                for (; d < bound; d += L) {
                    FloatVector a = FloatVector.fromArray(F, p, po + d);
                    FloatVector mu = FloatVector.fromArray(F, p, po + muOff + d);
                    FloatVector.fromArray(F, x, xo + d).sub(mu).mul(VecMath.exp(a.neg())).intoArray(z, zo + d);
                }
            } else {
                for (; d < bound; d += L) {
                    FloatVector.fromArray(F, x, xo + d).sub(FloatVector.fromArray(F, p, po + muOff + d))
                            .intoArray(z, zo + d);
                }
            }
        }
        for (; d < dim; d++) {
            float scale = withScale ? VecMath.exp(-p[po + d]) : 1f;
            z[zo + d] = (x[xo + d] - p[po + muOff + d]) * scale;
        }
    }

    /** Gradients of one token row (i ≥ 1): gx row, and the α and μ gradients into the previous token's gp row. */
    static void backwardRow(boolean simd, float[] p, int po, int muOff, boolean withScale, float[] z, int zo, float[] gz,
                            int gzo, int dim, float[] gx, int gxo, float[] gp, int gpo) {
        int d = 0;
        if (simd) {
            int bound = F.loopBound(dim);
            if (withScale) {
                for (; d < bound; d += L) {
                    FloatVector g = FloatVector.fromArray(F, gz, gzo + d);
                    FloatVector e = VecMath.exp(FloatVector.fromArray(F, p, po + d).neg());
                    FloatVector ge = g.mul(e);
                    ge.intoArray(gx, gxo + d);
                    g.mul(FloatVector.fromArray(F, z, zo + d)).neg().intoArray(gp, gpo + d);
                    ge.neg().intoArray(gp, gpo + muOff + d);
                }
            } else {
                for (; d < bound; d += L) {
                    FloatVector g = FloatVector.fromArray(F, gz, gzo + d);
                    g.intoArray(gx, gxo + d);
                    g.neg().intoArray(gp, gpo + muOff + d);
                }
            }
        }
        for (; d < dim; d++) {
            float g = gz[gzo + d];
            float e = withScale ? VecMath.exp(-p[po + d]) : 1f;
            gx[gxo + d] = g * e;
            if (withScale) {
                gp[gpo + d] = -g * z[zo + d];
            }
            gp[gpo + muOff + d] = -g * e;
        }
    }
}
