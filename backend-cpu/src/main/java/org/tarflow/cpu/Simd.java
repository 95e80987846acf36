package org.tarflow.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** The float vector species every SIMD kernel uses, fixed at class initialisation (a JIT constant). */
public final class Simd {
    public static final VectorSpecies<Float> F = species();
    /** Lanes per vector. */
    public static final int L = F.length();

    private Simd() {
    }

    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[L]);

    /**
     * This thread's lane buffer. Lane sums are taken as {@code v.intoArray(Simd.lanes(), 0)} then
     * {@link #addLanesInOrder()}: {@code reduceLanes(ADD)} leaves the order open, and the JIT's intrinsic and the
     * interpreter's fallback do use different orders, so a step could round differently before and after compilation
     * (a resumed run, which starts cold, would then not repeat its losses bit for bit). The store stays at the call
     * site because a vector passed to a method that is not inlined gets boxed.
     */
    public static float[] lanes() {
        return LANES.get();
    }

    /** The sum of this thread's lane buffer, in lane order. */
    public static float addLanesInOrder() {
        float[] t = LANES.get();
        float s = 0f;
        for (int i = 0; i < L; i++) {
            s += t[i];
        }
        return s;
    }

    private static VectorSpecies<Float> species() {
        int bits = CpuConfig.forcedVectorBits();
        if (bits == 0) {
            return FloatVector.SPECIES_PREFERRED;
        }
        return VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
    }
}
