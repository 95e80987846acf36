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

    /**
     * The sum of a vector's lanes in lane order. {@code reduceLanes(ADD)} leaves the order open, and the JIT's
     * intrinsic and the interpreter's fallback do use different orders, so the same step could round differently
     * before and after compilation (a resumed run would then not repeat its losses bit for bit).
     */
    public static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < L; i++) {
            s += v.lane(i);
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
