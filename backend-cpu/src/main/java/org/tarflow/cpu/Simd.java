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

    private static VectorSpecies<Float> species() {
        int bits = CpuConfig.forcedVectorBits();
        if (bits == 0) {
            return FloatVector.SPECIES_PREFERRED;
        }
        return VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
    }
}
