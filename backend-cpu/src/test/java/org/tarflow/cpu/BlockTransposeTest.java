package org.tarflow.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The register transpose against its scalar twin, with offsets and strides, leaving everything else untouched. */
class BlockTransposeTest {
    @Test
    void registerBlockEqualsTheScalarTranspose() {
        Assumptions.assumeTrue(BlockTranspose.inRegisters(), "16-lane vectors only");
        int l = Simd.L;
        Random rng = new Random(5);
        for (int[] layout : new int[][] {{0, l, 0, l}, {3, 37, 5, 41}, {1, 768, 2, 64}}) {
            int sOff = layout[0];
            int sStride = layout[1];
            int dOff = layout[2];
            int dStride = layout[3];
            float[] src = new float[sOff + l * sStride + l];
            for (int i = 0; i < src.length; i++) {
                src[i] = rng.nextFloat();
            }
            float[] want = new float[dOff + l * dStride + l];
            java.util.Arrays.fill(want, -7f);
            float[] got = want.clone();
            BlockTranspose.scalar(src, sOff, sStride, l, l, want, dOff, dStride);
            BlockTranspose.block(src, sOff, sStride, got, dOff, dStride, BlockTranspose.scratch());
            assertArrayEquals(want, got, "layout " + java.util.Arrays.toString(layout));
            assertEquals(src[sOff + 2 * sStride + 5], got[dOff + 5 * dStride + 2]);
        }
    }

    @Test
    void partialBlockReadsOnlyItsRowsAndWritesZerosForTheRest() {
        Assumptions.assumeTrue(BlockTranspose.inRegisters(), "16-lane vectors only");
        int l = Simd.L;
        Random rng = new Random(6);
        int sOff = 3;
        int sStride = 37;
        int dOff = 2;
        int dStride = 41;
        for (int rows = 1; rows < l; rows++) {
            // the source ends right after its last row: a read of a missing row would throw
            float[] src = new float[sOff + (rows - 1) * sStride + l];
            for (int i = 0; i < src.length; i++) {
                src[i] = 1f + rng.nextFloat();
            }
            float[] want = new float[dOff + l * dStride + l];
            java.util.Arrays.fill(want, -7f);
            float[] got = want.clone();
            for (int c = 0; c < l; c++) {
                java.util.Arrays.fill(want, dOff + c * dStride + rows, dOff + c * dStride + l, 0f);
                java.util.Arrays.fill(got, dOff + c * dStride, dOff + c * dStride + l, 5f); // all to be overwritten
            }
            BlockTranspose.scalar(src, sOff, sStride, rows, l, want, dOff, dStride);
            BlockTranspose.partialBlock(src, sOff, sStride, rows, got, dOff, dStride, BlockTranspose.scratch());
            assertArrayEquals(want, got, rows + " rows");
        }
    }
}
