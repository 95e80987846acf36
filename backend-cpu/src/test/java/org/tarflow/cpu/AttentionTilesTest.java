package org.tarflow.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tarflow.tensor.AttentionSpec;

/** The tiled attention kernels against the general scalar path (their oracle), forward and backward. */
class AttentionTilesTest {
    private static float[] random(Random rng, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (scale * rng.nextGaussian());
        }
        return v;
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void tilesMatchTheScalarPath() {
        Random rng = new Random(2);
        int d = AttentionTiles.TILE_COLS; // the smallest head size the tiles take
        // 100 and 130: key rows whose score tiles skip the first two query vectors in a second and third tile
        for (int t : new int[] {1, 5, 16, 17, 48, 49, 63, 64, 70, 100, 130}) {
            for (boolean causal : new boolean[] {true, false}) {
                int b = 2;
                int h = 2;
                AttentionSpec sp = new AttentionSpec(b, t, h, d, 1.0 / Math.sqrt(d), causal);
                int c = h * d;
                float[] qkv = random(rng, b * t * 3 * c, 1.5);
                float[] gOut = random(rng, b * t * c, 1.0);
                float[] out1 = new float[b * t * c];
                float[] out2 = new float[b * t * c];
                float[] lse1 = new float[b * h * t];
                float[] lse2 = new float[b * h * t];
                float[] g1 = new float[b * t * 3 * c];
                float[] g2 = new float[b * t * 3 * c];
                java.util.Arrays.fill(g1, Float.NaN); // the tiles must write every element
                for (int bi = 0; bi < b; bi++) {
                    for (int hi = 0; hi < h; hi++) {
                        AttentionTiles.forward(sp, bi, hi, qkv, 0, out1, 0, lse1, 0);
                        AttentionKernels.forward(false, sp, bi, hi, qkv, 0, out2, 0, lse2, 0);
                    }
                }
                for (int bi = 0; bi < b; bi++) {
                    for (int hi = 0; hi < h; hi++) {
                        AttentionTiles.backward(sp, bi, hi, qkv, 0, out2, 0, lse2, 0, gOut, 0, g1, 0);
                        AttentionKernels.backward(false, sp, bi, hi, qkv, 0, out2, 0, lse2, 0, gOut, 0, g2, 0);
                    }
                }
                String what = "T=" + t + (causal ? " causal" : " full");
                assertTrue(maxDiff(out1, out2) < 1e-5, what + " output " + maxDiff(out1, out2));
                assertTrue(maxDiff(lse1, lse2) < 1e-5, what + " lse " + maxDiff(lse1, lse2));
                assertTrue(maxDiff(g1, g2) < 1e-4, what + " gradient " + maxDiff(g1, g2));
            }
        }
    }
}
