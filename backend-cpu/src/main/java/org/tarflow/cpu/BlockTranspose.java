package org.tarflow.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Transposes L×L blocks of floats with vector operations instead of gathers: L row loads, log₂L butterfly stages, L
 * column stores. In the stage of distance s, rows r and r + s (r without bit s) swap the lanes of their upper and
 * lower s-lane halves: lane i of the new row r takes row r + s's lane i − s where bit s of i is set; lane i of the
 * new row r + s takes row r's lane i + s where it is clear (a lane permutation i ↦ i xor s and a blend each). For
 * L = 16; other vector widths take the callers' fallbacks, and {@link #scalar} is the twin.
 */
final class BlockTranspose {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;
    private static final VectorShuffle<Float> X8 = xor(8);
    private static final VectorShuffle<Float> X4 = xor(4);
    private static final VectorShuffle<Float> X2 = xor(2);
    private static final VectorShuffle<Float> X1 = xor(1);
    private static final VectorMask<Float> M8 = bit(8);
    private static final VectorMask<Float> M4 = bit(4);
    private static final VectorMask<Float> M2 = bit(2);
    private static final VectorMask<Float> M1 = bit(1);

    private BlockTranspose() {
    }

    /** Whether {@link #block} can run (16-lane vectors). */
    static boolean inRegisters() {
        return L == 16;
    }

    private static VectorShuffle<Float> xor(int s) {
        return VectorShuffle.fromOp(F, i -> s < L ? i ^ s : i);
    }

    private static VectorMask<Float> bit(int s) {
        boolean[] m = new boolean[L];
        for (int i = 0; i < L; i++) {
            m[i] = (i & s) != 0;
        }
        return VectorMask.fromArray(F, m, 0);
    }

    /** The new row r of a stage: a where bit s of the lane is clear, b's lane i − s where it is set. */
    private static FloatVector low(FloatVector a, FloatVector b, VectorShuffle<Float> x, VectorMask<Float> m) {
        return a.blend(b.rearrange(x), m);
    }

    /** The new row r + s of a stage: a's lane i + s where bit s of the lane is clear, b where it is set. */
    private static FloatVector high(FloatVector a, FloatVector b, VectorShuffle<Float> x, VectorMask<Float> m) {
        return a.rearrange(x).blend(b, m);
    }

    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[L * L]);

    /** This thread's scratch block for {@link #block}: fetched once per run of blocks, not once per block. */
    static float[] scratch() {
        return SCRATCH.get();
    }

    /**
     * dst[dOff + c·dStride + r] = src[sOff + r·sStride + c] for r, c &lt; L; {@link #inRegisters} must hold. The
     * middle stages run through the L1-resident scratch block t ({@link #scratch}): written out as one method with
     * sixteen vector locals the transpose outgrew C2's inlining budget and boxed its vectors.
     */
    static void block(float[] src, int sOff, int sStride, float[] dst, int dOff, int dStride, float[] t) {
        for (int r = 0; r < 8; r++) {
            FloatVector a = FloatVector.fromArray(F, src, sOff + r * sStride);
            FloatVector b = FloatVector.fromArray(F, src, sOff + (r + 8) * sStride);
            low(a, b, X8, M8).intoArray(t, r * L);
            high(a, b, X8, M8).intoArray(t, (r + 8) * L);
        }
        stage(t, 4, X4, M4);
        stage(t, 2, X2, M2);
        for (int r = 0; r < L; r += 2) {
            FloatVector a = FloatVector.fromArray(F, t, r * L);
            FloatVector b = FloatVector.fromArray(F, t, (r + 1) * L);
            low(a, b, X1, M1).intoArray(dst, dOff + r * dStride);
            high(a, b, X1, M1).intoArray(dst, dOff + (r + 1) * dStride);
        }
    }

    /**
     * {@link #block} for the first {@code rows} (&lt; L) rows of a block, the missing rows read as zeros:
     * dst[dOff + c·dStride + r] = src[sOff + r·sStride + c] for r &lt; rows, 0 for rows ≤ r &lt; L. The rows are
     * copied into the scratch block first, which {@link #block} may then read in place (its first stage reads rows
     * r and r + 8 before writing those two rows).
     */
    static void partialBlock(float[] src, int sOff, int sStride, int rows, float[] dst, int dOff, int dStride,
                             float[] t) {
        for (int r = 0; r < L; r++) {
            FloatVector v = r < rows ? FloatVector.fromArray(F, src, sOff + r * sStride) : FloatVector.zero(F);
            v.intoArray(t, r * L);
        }
        block(t, 0, L, dst, dOff, dStride, t);
    }

    /** One butterfly stage of distance s over the rows of the scratch block, in place. */
    private static void stage(float[] t, int s, VectorShuffle<Float> x, VectorMask<Float> m) {
        for (int r = 0; r < L; r++) {
            if ((r & s) == 0) {
                FloatVector a = FloatVector.fromArray(F, t, r * L);
                FloatVector b = FloatVector.fromArray(F, t, (r + s) * L);
                low(a, b, x, m).intoArray(t, r * L);
                high(a, b, x, m).intoArray(t, (r + s) * L);
            }
        }
    }

    /** The same contract for an R×C block of any size: dst[dOff + c·dStride + r] = src[sOff + r·sStride + c]. */
    static void scalar(float[] src, int sOff, int sStride, int rows, int cols, float[] dst, int dOff, int dStride) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst[dOff + c * dStride + r] = src[sOff + r * sStride + c];
            }
        }
    }
}
