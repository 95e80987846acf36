package org.tarflow.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tarflow.tensor.GemmSpec;

/**
 * The packed SIMD GEMM against its scalar twin on every flag of {@link GemmSpec} (transposes, alpha, accumulate,
 * bias, batch strides including a shared operand) and on sizes that cross every blocking boundary: k beyond one KC
 * slice, m beyond one MC block, n not a multiple of the micro-tile, one and two threads; with tB and m ≤
 * {@link Gemm#SMALL_M} also the swapped (Bᵀ-in-place) path; with n of 8 strips per thread or more the path where each
 * thread owns a range of C's columns.
 */
class GemmTwinTest {
    @Test
    void simdMatchesScalarTwinAcrossBlockingBoundaries() {
        Random rng = new Random(3);
        int[][] sizes = {{1, 1, 1}, {7, 33, 5}, {129, 65, 300}, {300, 70, 1100}, {64, 384, 128}, {3, 1000, 17},
            {21, 37, 1500}, // takes the split-k path on two threads (without tB); {300, 70, 1100} spans two KC slices
            {33, 1024, 64}, // m ≤ SMALL_M with tB: the swapped path, two strips of Aᵀ, the last one partial
            {5, 203, 64}, {40, 517, 128}, // swapped, n not a multiple of MR: partial tiles and transpose edges
            {130, 600, 1100}}; // columns owned per thread (n ≥ 8 strips per thread), partial tiles, two KC slices
        ThreadTeam[] teams = {new ThreadTeam(1), new ThreadTeam(2)};
        for (int[] sz : sizes) {
            for (int flags = 0; flags < 32; flags++) {
                boolean ta = (flags & 1) != 0;
                boolean tb = (flags & 2) != 0;
                boolean acc = (flags & 4) != 0;
                boolean shared = (flags & 8) != 0;
                // alpha = 1 sends full tiles straight into C; any other alpha goes through the edge-tile merge
                double alpha = (flags & 16) != 0 ? 0.75 : 1.0;
                int batch = 2;
                int m = sz[0];
                int n = sz[1];
                int k = sz[2];
                GemmSpec spec = new GemmSpec(batch, m, n, k, ta, tb, m * k, shared ? 0 : k * n, m * n, alpha,
                        acc);
                float[] a = random(rng, batch * m * k);
                float[] b = random(rng, batch * k * n);
                float[] bias = random(rng, n);
                float[] c0 = random(rng, batch * m * n);
                float[] expect = c0.clone();
                Gemm.scalar(spec, a, 0, b, 0, bias, 0, expect, 0);
                for (ThreadTeam team : teams) {
                    float[] got = c0.clone();
                    Gemm.simd(team, spec, a, 0, b, 0, bias, 0, got, 0);
                    double worst = 0;
                    for (int i = 0; i < got.length; i++) {
                        worst = Math.max(worst, Math.abs(got[i] - expect[i]));
                    }
                    // both sum k products of N(0,1) values in float: |error| ≲ √k·|terms|·2^-24 each
                    double tol = 1e-6 * Math.sqrt(k) * 8;
                    String what = m + "x" + n + "x" + k + " flags " + flags + " threads " + team.size();
                    assertTrue(worst <= tol, what + ": max |simd − scalar| " + worst + " > " + tol);
                }
            }
        }
    }

    @Test
    void weightGradientAlsoSumsTheRowsOfTransposedA() {
        Random rng = new Random(4);
        // {m, n, k}: one slice, several KC slices and MC blocks with partial strips, split k on two threads
        // {300, 40, 1100}: row blocks owned per thread (at least two a thread), a partial last block and strip;
        // {40, 300, 1100}: n ≥ 2m, computed as Cᵀ and transposed back, with the row sums summed apart
        int[][] sizes = {{1, 1, 1}, {13, 5, 70}, {129, 33, 1100}, {21, 37, 1500}, {300, 16, 3072}, {300, 40, 1100},
            {40, 300, 1100}};
        ThreadTeam[] teams = {new ThreadTeam(1), new ThreadTeam(2)};
        for (int[] sz : sizes) {
            int m = sz[0];
            int n = sz[1];
            int k = sz[2];
            GemmSpec spec = GemmSpec.of(m, n, k, true, false);
            float[] a = random(rng, k * m); // [k, m]: the product reads it transposed
            float[] b = random(rng, k * n);
            float[] expect = new float[m * n];
            Gemm.scalar(spec, a, 0, b, 0, null, 0, expect, 0);
            double[] expectSums = new double[m];
            for (int p = 0; p < k; p++) {
                for (int i = 0; i < m; i++) {
                    expectSums[i] += a[p * m + i];
                }
            }
            for (ThreadTeam team : teams) {
                float[] got = random(rng, m * n); // overwritten
                double[] sums = new double[m + 1];
                sums[m] = 42; // past the m sums: untouched
                Gemm.weightGradient(team, spec, a, 0, b, 0, got, 0, sums);
                double tol = 1e-6 * Math.sqrt(k) * 8;
                String what = m + "x" + n + "x" + k + " threads " + team.size();
                for (int i = 0; i < got.length; i++) {
                    assertTrue(Math.abs(got[i] - expect[i]) <= tol, what + ": product " + got[i] + " vs " + expect[i]);
                }
                for (int i = 0; i < m; i++) {
                    // float partials of 64 terms carried into double: each partial off by ≲ 8·2^-24·|terms|
                    assertTrue(Math.abs(sums[i] - expectSums[i]) <= tol, what + ": row sum " + i + " " + sums[i]
                            + " vs " + expectSums[i]);
                }
                assertTrue(sums[m] == 42, what + ": wrote past the sums");
                // the plain entry point takes the same paths for such a product (no bias, alpha 1, overwrite)
                float[] plain = random(rng, m * n);
                Gemm.simd(team, spec, a, 0, b, 0, null, 0, plain, 0);
                for (int i = 0; i < plain.length; i++) {
                    assertTrue(Math.abs(plain[i] - expect[i]) <= tol, what + ": gemm " + plain[i] + " vs " + expect[i]);
                }
            }
        }
    }

    /**
     * The owned paths hand units left by one thread to another, and split k hands out its pieces to whichever thread
     * comes; each element of C is still summed in one order (by one unit; pieces added in piece order), so repeated
     * products give the same bits whoever ran what (and, with three threads, owners of unequal shares), and they
     * match the scalar twin.
     */
    @Test
    void threadedPathsGiveTheSameBitsWhicheverThreadRunsAUnit() {
        Random rng = new Random(5);
        // {m, n, k, transA}: owned columns over one and two KC slices (the second: two threads only); owned row
        // blocks of Aᵀ over two slices; n ≥ 2m, computed as Cᵀ from owned row blocks and transposed back; split k
        int[][] sizes = {{700, 768, 256, 0}, {130, 600, 1100, 0}, {600, 96, 1100, 1}, {90, 700, 700, 1},
            {64, 48, 1500, 1}};
        for (int threads = 2; threads <= 3; threads++) {
            ThreadTeam team = new ThreadTeam(threads);
            for (int[] sz : sizes) {
                int m = sz[0];
                int n = sz[1];
                int k = sz[2];
                boolean ta = sz[3] == 1;
                GemmSpec spec = GemmSpec.of(m, n, k, ta, !ta);
                float[] a = random(rng, m * k);
                float[] b = random(rng, k * n);
                float[] expect = new float[m * n];
                Gemm.scalar(spec, a, 0, b, 0, null, 0, expect, 0);
                float[] first = null;
                for (int rep = 0; rep < 12; rep++) {
                    float[] got = new float[m * n];
                    Gemm.simd(team, spec, a, 0, b, 0, null, 0, got, 0);
                    String what = m + "x" + n + "x" + k + (ta ? " tA" : " tB") + " threads " + threads;
                    if (first == null) {
                        first = got;
                        double tol = 1e-6 * Math.sqrt(k) * 8; // as in the twin test above
                        for (int i = 0; i < got.length; i++) {
                            assertTrue(Math.abs(got[i] - expect[i]) <= tol, what + ": " + got[i] + " vs " + expect[i]);
                        }
                    } else {
                        org.junit.jupiter.api.Assertions.assertArrayEquals(first, got, what + ", repetition " + rep);
                    }
                }
            }
        }
    }

    @Test
    void weightGradientRefusesWhatItDoesNotCompute() {
        float[] x = new float[4];
        double[] sums = new double[2];
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Gemm.weightGradient(null, GemmSpec.of(2, 2, 1, false, false), x, 0, x, 0, x, 0, sums));
    }

    private static float[] random(Random rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return v;
    }
}
