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

    private static final ThreadLocal<int[]> ROW_OFFSETS = ThreadLocal.withInitial(() -> new int[2 * L + 1]);

    /**
     * This thread's index map {0, stride, 2·stride, …} (2L entries) for gathering one element from each of up to 2L
     * rows {@code stride} apart; rebuilt only when the stride changes (the last slot remembers it).
     */
    static int[] rowOffsets(int stride) {
        int[] idx = ROW_OFFSETS.get();
        if (idx[2 * L] != stride) {
            for (int j = 0; j < 2 * L; j++) {
                idx[j] = j * stride;
            }
            idx[2 * L] = stride;
        }
        return idx;
    }

    private static VectorSpecies<Float> species() {
        int bits = CpuConfig.forcedVectorBits();
        if (bits == 0) {
            return FloatVector.SPECIES_PREFERRED;
        }
        return VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
    }
}
