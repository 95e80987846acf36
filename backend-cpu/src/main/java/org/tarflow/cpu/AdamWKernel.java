package org.tarflow.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.tarflow.tensor.AdamWStep;

/** The fused AdamW update over a range of one parameter (see {@link AdamWStep}): one pass, four streams. */
final class AdamWKernel {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;

    private AdamWKernel() {
    }

    static void update(boolean simd, AdamWStep st, float[] p, int po, float[] g, int go, float[] m, int mo, float[] v,
                       int vo, int from, int to) {
        float b1 = (float) st.beta1();
        float b2 = (float) st.beta2();
        float gs = (float) st.gradScale();
        float decay = (float) (1 - st.lr() * st.weightDecay());
        float stepSize = (float) (st.lr() / st.biasCorrection1());
        float invBc2Sqrt = (float) (1.0 / Math.sqrt(st.biasCorrection2()));
        float eps = (float) st.eps();
        int i = from;
        if (simd) {
            int bound = from + F.loopBound(to - from);
            for (; i < bound; i += L) {
                FloatVector gv = FloatVector.fromArray(F, g, go + i).mul(gs);
                FloatVector mv = FloatVector.fromArray(F, m, mo + i).mul(b1).add(gv.mul(1 - b1));
                FloatVector vv = FloatVector.fromArray(F, v, vo + i).mul(b2).add(gv.mul(gv).mul(1 - b2));
                mv.intoArray(m, mo + i);
                vv.intoArray(v, vo + i);
                FloatVector denom = vv.sqrt().mul(invBc2Sqrt).add(eps);
                FloatVector pv = FloatVector.fromArray(F, p, po + i).mul(decay);
                pv.sub(mv.mul(stepSize).div(denom)).intoArray(p, po + i);
            }
        }
        for (; i < to; i++) {
            float gv = g[go + i] * gs;
            float mv = m[mo + i] * b1 + gv * (1 - b1);
            float vv = v[vo + i] * b2 + gv * gv * (1 - b2);
            m[mo + i] = mv;
            v[vo + i] = vv;
            float denom = (float) Math.sqrt(vv) * invBc2Sqrt + eps;
            p[po + i] = p[po + i] * decay - stepSize * mv / denom;
        }
    }
}
