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
}
