package org.tarflow.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM's register tiles: MR×NR blocks of C held in MR·NR/L vector accumulators while a k loop broadcasts MR
 * values of A and loads NR/L vectors of packed B per step. One variant per layout of the A panel (in place, row-major;
 * or packed k-major for a transposed A); {@link #merge} finishes edge tiles. Oracle: {@link Gemm#scalar}.
 */
final class GemmTiles {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;
    /** Micro-tile rows. */
    static final int MR = 8;
    /** Micro-tile columns: two vectors. */
    static final int NR = 2 * L;
    /** Rows of the wide tile {@link #rowMajorAWide}, which spans two strips (2·NR columns). */
    static final int MR_WIDE = 6;
    /**
     * Whether row-major products take {@link #rowMajorAWide} where a block has two full strips side by side: with
     * 512-bit vectors (where x86 has 32 vector registers), unless {@code -Dtarflow.cpu.gemmWideTiles=false}.
     */
    static final boolean WIDE = F.vectorBitSize() == 512
            && !"false".equalsIgnoreCase(System.getProperty("tarflow.cpu.gemmWideTiles"));

    private GemmTiles() {
    }

    /**
     * One MR×NR tile with A read in place: row r, depth p of the A panel at ap[ai + r·rs + p] (r < mr).
     * out[o + r·ld + j] (+)= (Apanel·Bpanel)[r][j], accumulators started from init[io..io + NR) (bias or zeros).
     */
    static void rowMajorA(int kc, float[] ap, int ai, int rs, int mr, float[] bp, int bi, float[] init, int io,
                          float[] out, int o, int ld, boolean add) {
        // rows past mr repeat the last row: they stay inside A, and their results are never stored
        int a1 = Math.min(1, mr - 1) * rs;
        int a2 = Math.min(2, mr - 1) * rs;
        int a3 = Math.min(3, mr - 1) * rs;
        int a4 = Math.min(4, mr - 1) * rs;
        int a5 = Math.min(5, mr - 1) * rs;
        int a6 = Math.min(6, mr - 1) * rs;
        int a7 = Math.min(7, mr - 1) * rs;
        // accumulators start from the bias row (or zeros): no pass over C afterwards
        FloatVector i0 = FloatVector.fromArray(F, init, io);
        FloatVector i1 = FloatVector.fromArray(F, init, io + L);
        FloatVector c00 = i0;
        FloatVector c01 = i1;
        FloatVector c10 = i0;
        FloatVector c11 = i1;
        FloatVector c20 = i0;
        FloatVector c21 = i1;
        FloatVector c30 = i0;
        FloatVector c31 = i1;
        FloatVector c40 = i0;
        FloatVector c41 = i1;
        FloatVector c50 = i0;
        FloatVector c51 = i1;
        FloatVector c60 = i0;
        FloatVector c61 = i1;
        FloatVector c70 = i0;
        FloatVector c71 = i1;
        // indices written as base + p·(constant step), not running sums or variable strides, so that C2 hoists
        // the bounds checks out of the loop: its range-check elimination only sees such expressions
        for (int p = 0; p < kc; p++) {
            int ap0 = ai + p;
            int bp0 = bi + p * NR;
            FloatVector b0 = FloatVector.fromArray(F, bp, bp0);
            FloatVector b1 = FloatVector.fromArray(F, bp, bp0 + L);
            FloatVector av = FloatVector.broadcast(F, ap[ap0]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(F, ap[ap0 + a1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(F, ap[ap0 + a2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(F, ap[ap0 + a3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(F, ap[ap0 + a4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(F, ap[ap0 + a5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(F, ap[ap0 + a6]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(F, ap[ap0 + a7]);
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
        }
        if (add) {
            c00 = c00.add(FloatVector.fromArray(F, out, o));
            c01 = c01.add(FloatVector.fromArray(F, out, o + L));
            c10 = c10.add(FloatVector.fromArray(F, out, o + 1 * ld));
            c11 = c11.add(FloatVector.fromArray(F, out, o + 1 * ld + L));
            c20 = c20.add(FloatVector.fromArray(F, out, o + 2 * ld));
            c21 = c21.add(FloatVector.fromArray(F, out, o + 2 * ld + L));
            c30 = c30.add(FloatVector.fromArray(F, out, o + 3 * ld));
            c31 = c31.add(FloatVector.fromArray(F, out, o + 3 * ld + L));
            c40 = c40.add(FloatVector.fromArray(F, out, o + 4 * ld));
            c41 = c41.add(FloatVector.fromArray(F, out, o + 4 * ld + L));
            c50 = c50.add(FloatVector.fromArray(F, out, o + 5 * ld));
            c51 = c51.add(FloatVector.fromArray(F, out, o + 5 * ld + L));
            c60 = c60.add(FloatVector.fromArray(F, out, o + 6 * ld));
            c61 = c61.add(FloatVector.fromArray(F, out, o + 6 * ld + L));
            c70 = c70.add(FloatVector.fromArray(F, out, o + 7 * ld));
            c71 = c71.add(FloatVector.fromArray(F, out, o + 7 * ld + L));
        }
        c00.intoArray(out, o);
        c01.intoArray(out, o + L);
        c10.intoArray(out, o + 1 * ld);
        c11.intoArray(out, o + 1 * ld + L);
        c20.intoArray(out, o + 2 * ld);
        c21.intoArray(out, o + 2 * ld + L);
        c30.intoArray(out, o + 3 * ld);
        c31.intoArray(out, o + 3 * ld + L);
        c40.intoArray(out, o + 4 * ld);
        c41.intoArray(out, o + 4 * ld + L);
        c50.intoArray(out, o + 5 * ld);
        c51.intoArray(out, o + 5 * ld + L);
        c60.intoArray(out, o + 6 * ld);
        c61.intoArray(out, o + 6 * ld + L);
        c70.intoArray(out, o + 7 * ld);
        c71.intoArray(out, o + 7 * ld + L);
    }

    /**
     * A 6×4L tile with A read in place (rows as in {@link #rowMajorA}, all six present) over two adjacent packed
     * strips of op(B), the left at bp[bi0 + p·NR], the right at bp[bi1 + p·NR]: 24 accumulators, and per k step
     * four vector loads and six broadcasts for 24 FMAs, where the 8×2L tile takes two loads and eight broadcasts
     * for 16. One thread, a hot 168×256×256 block: 189 → 200 GFLOP/s (the FMA probe read 225 beside it). Needs
     * 32 vector registers (24 + 4 + 1): {@link #WIDE}. Full tiles only: out[o + r·ld + j] (+)= the product for
     * r < 6, j < 2·NR, accumulators started from init[io..io + 2·NR).
     */
    static void rowMajorAWide(int kc, float[] ap, int ai, int rs, float[] bp, int bi0, int bi1, float[] init, int io,
                              float[] out, int o, int ld, boolean add) {
        int a1 = 1 * rs;
        int a2 = 2 * rs;
        int a3 = 3 * rs;
        int a4 = 4 * rs;
        int a5 = 5 * rs;
        FloatVector i0 = FloatVector.fromArray(F, init, io + 0 * L);
        FloatVector i1 = FloatVector.fromArray(F, init, io + 1 * L);
        FloatVector i2 = FloatVector.fromArray(F, init, io + 2 * L);
        FloatVector i3 = FloatVector.fromArray(F, init, io + 3 * L);
        FloatVector c00 = i0;
        FloatVector c01 = i1;
        FloatVector c02 = i2;
        FloatVector c03 = i3;
        FloatVector c10 = i0;
        FloatVector c11 = i1;
        FloatVector c12 = i2;
        FloatVector c13 = i3;
        FloatVector c20 = i0;
        FloatVector c21 = i1;
        FloatVector c22 = i2;
        FloatVector c23 = i3;
        FloatVector c30 = i0;
        FloatVector c31 = i1;
        FloatVector c32 = i2;
        FloatVector c33 = i3;
        FloatVector c40 = i0;
        FloatVector c41 = i1;
        FloatVector c42 = i2;
        FloatVector c43 = i3;
        FloatVector c50 = i0;
        FloatVector c51 = i1;
        FloatVector c52 = i2;
        FloatVector c53 = i3;
        for (int p = 0; p < kc; p++) {
            int ap0 = ai + p;
            int bp0 = bi0 + p * NR;
            int bp1 = bi1 + p * NR;
            FloatVector b0 = FloatVector.fromArray(F, bp, bp0);
            FloatVector b1 = FloatVector.fromArray(F, bp, bp0 + L);
            FloatVector b2 = FloatVector.fromArray(F, bp, bp1);
            FloatVector b3 = FloatVector.fromArray(F, bp, bp1 + L);
            FloatVector av = FloatVector.broadcast(F, ap[ap0]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            c02 = av.fma(b2, c02);
            c03 = av.fma(b3, c03);
            av = FloatVector.broadcast(F, ap[ap0 + a1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            c12 = av.fma(b2, c12);
            c13 = av.fma(b3, c13);
            av = FloatVector.broadcast(F, ap[ap0 + a2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            c22 = av.fma(b2, c22);
            c23 = av.fma(b3, c23);
            av = FloatVector.broadcast(F, ap[ap0 + a3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            c32 = av.fma(b2, c32);
            c33 = av.fma(b3, c33);
            av = FloatVector.broadcast(F, ap[ap0 + a4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            c42 = av.fma(b2, c42);
            c43 = av.fma(b3, c43);
            av = FloatVector.broadcast(F, ap[ap0 + a5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            c52 = av.fma(b2, c52);
            c53 = av.fma(b3, c53);
        }
        if (add) {
            c00 = c00.add(FloatVector.fromArray(F, out, o + 0 * ld + 0 * L));
            c01 = c01.add(FloatVector.fromArray(F, out, o + 0 * ld + 1 * L));
            c02 = c02.add(FloatVector.fromArray(F, out, o + 0 * ld + 2 * L));
            c03 = c03.add(FloatVector.fromArray(F, out, o + 0 * ld + 3 * L));
            c10 = c10.add(FloatVector.fromArray(F, out, o + 1 * ld + 0 * L));
            c11 = c11.add(FloatVector.fromArray(F, out, o + 1 * ld + 1 * L));
            c12 = c12.add(FloatVector.fromArray(F, out, o + 1 * ld + 2 * L));
            c13 = c13.add(FloatVector.fromArray(F, out, o + 1 * ld + 3 * L));
            c20 = c20.add(FloatVector.fromArray(F, out, o + 2 * ld + 0 * L));
            c21 = c21.add(FloatVector.fromArray(F, out, o + 2 * ld + 1 * L));
            c22 = c22.add(FloatVector.fromArray(F, out, o + 2 * ld + 2 * L));
            c23 = c23.add(FloatVector.fromArray(F, out, o + 2 * ld + 3 * L));
            c30 = c30.add(FloatVector.fromArray(F, out, o + 3 * ld + 0 * L));
            c31 = c31.add(FloatVector.fromArray(F, out, o + 3 * ld + 1 * L));
            c32 = c32.add(FloatVector.fromArray(F, out, o + 3 * ld + 2 * L));
            c33 = c33.add(FloatVector.fromArray(F, out, o + 3 * ld + 3 * L));
            c40 = c40.add(FloatVector.fromArray(F, out, o + 4 * ld + 0 * L));
            c41 = c41.add(FloatVector.fromArray(F, out, o + 4 * ld + 1 * L));
            c42 = c42.add(FloatVector.fromArray(F, out, o + 4 * ld + 2 * L));
            c43 = c43.add(FloatVector.fromArray(F, out, o + 4 * ld + 3 * L));
            c50 = c50.add(FloatVector.fromArray(F, out, o + 5 * ld + 0 * L));
            c51 = c51.add(FloatVector.fromArray(F, out, o + 5 * ld + 1 * L));
            c52 = c52.add(FloatVector.fromArray(F, out, o + 5 * ld + 2 * L));
            c53 = c53.add(FloatVector.fromArray(F, out, o + 5 * ld + 3 * L));
        }
        c00.intoArray(out, o + 0 * ld + 0 * L);
        c01.intoArray(out, o + 0 * ld + 1 * L);
        c02.intoArray(out, o + 0 * ld + 2 * L);
        c03.intoArray(out, o + 0 * ld + 3 * L);
        c10.intoArray(out, o + 1 * ld + 0 * L);
        c11.intoArray(out, o + 1 * ld + 1 * L);
        c12.intoArray(out, o + 1 * ld + 2 * L);
        c13.intoArray(out, o + 1 * ld + 3 * L);
        c20.intoArray(out, o + 2 * ld + 0 * L);
        c21.intoArray(out, o + 2 * ld + 1 * L);
        c22.intoArray(out, o + 2 * ld + 2 * L);
        c23.intoArray(out, o + 2 * ld + 3 * L);
        c30.intoArray(out, o + 3 * ld + 0 * L);
        c31.intoArray(out, o + 3 * ld + 1 * L);
        c32.intoArray(out, o + 3 * ld + 2 * L);
        c33.intoArray(out, o + 3 * ld + 3 * L);
        c40.intoArray(out, o + 4 * ld + 0 * L);
        c41.intoArray(out, o + 4 * ld + 1 * L);
        c42.intoArray(out, o + 4 * ld + 2 * L);
        c43.intoArray(out, o + 4 * ld + 3 * L);
        c50.intoArray(out, o + 5 * ld + 0 * L);
        c51.intoArray(out, o + 5 * ld + 1 * L);
        c52.intoArray(out, o + 5 * ld + 2 * L);
        c53.intoArray(out, o + 5 * ld + 3 * L);
    }

    /**
     * {@link #rowMajorA} for an A panel packed k-major: row r, depth p at ap[ai + p·MR + r], zero-padded to MR rows.
     * The same loop as there except for the A index (written twice because C2 hoists the bounds checks only for
     * a constant step in p).
     */
    static void packedA(int kc, float[] ap, int ai, float[] bp, int bi, float[] init, int io, float[] out, int o,
                        int ld, boolean add) {
        final int a1 = 1;
        final int a2 = 2;
        final int a3 = 3;
        final int a4 = 4;
        final int a5 = 5;
        final int a6 = 6;
        final int a7 = 7;
        // accumulators start from the bias row (or zeros): no pass over C afterwards
        FloatVector i0 = FloatVector.fromArray(F, init, io);
        FloatVector i1 = FloatVector.fromArray(F, init, io + L);
        FloatVector c00 = i0;
        FloatVector c01 = i1;
        FloatVector c10 = i0;
        FloatVector c11 = i1;
        FloatVector c20 = i0;
        FloatVector c21 = i1;
        FloatVector c30 = i0;
        FloatVector c31 = i1;
        FloatVector c40 = i0;
        FloatVector c41 = i1;
        FloatVector c50 = i0;
        FloatVector c51 = i1;
        FloatVector c60 = i0;
        FloatVector c61 = i1;
        FloatVector c70 = i0;
        FloatVector c71 = i1;
        // indices written as base + p·(constant step), not running sums or variable strides, so that C2 hoists
        // the bounds checks out of the loop: its range-check elimination only sees such expressions
        for (int p = 0; p < kc; p++) {
            int ap0 = ai + p * MR;
            int bp0 = bi + p * NR;
            FloatVector b0 = FloatVector.fromArray(F, bp, bp0);
            FloatVector b1 = FloatVector.fromArray(F, bp, bp0 + L);
            FloatVector av = FloatVector.broadcast(F, ap[ap0]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(F, ap[ap0 + a1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(F, ap[ap0 + a2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(F, ap[ap0 + a3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(F, ap[ap0 + a4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(F, ap[ap0 + a5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(F, ap[ap0 + a6]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(F, ap[ap0 + a7]);
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
        }
        if (add) {
            c00 = c00.add(FloatVector.fromArray(F, out, o));
            c01 = c01.add(FloatVector.fromArray(F, out, o + L));
            c10 = c10.add(FloatVector.fromArray(F, out, o + 1 * ld));
            c11 = c11.add(FloatVector.fromArray(F, out, o + 1 * ld + L));
            c20 = c20.add(FloatVector.fromArray(F, out, o + 2 * ld));
            c21 = c21.add(FloatVector.fromArray(F, out, o + 2 * ld + L));
            c30 = c30.add(FloatVector.fromArray(F, out, o + 3 * ld));
            c31 = c31.add(FloatVector.fromArray(F, out, o + 3 * ld + L));
            c40 = c40.add(FloatVector.fromArray(F, out, o + 4 * ld));
            c41 = c41.add(FloatVector.fromArray(F, out, o + 4 * ld + L));
            c50 = c50.add(FloatVector.fromArray(F, out, o + 5 * ld));
            c51 = c51.add(FloatVector.fromArray(F, out, o + 5 * ld + L));
            c60 = c60.add(FloatVector.fromArray(F, out, o + 6 * ld));
            c61 = c61.add(FloatVector.fromArray(F, out, o + 6 * ld + L));
            c70 = c70.add(FloatVector.fromArray(F, out, o + 7 * ld));
            c71 = c71.add(FloatVector.fromArray(F, out, o + 7 * ld + L));
        }
        c00.intoArray(out, o);
        c01.intoArray(out, o + L);
        c10.intoArray(out, o + 1 * ld);
        c11.intoArray(out, o + 1 * ld + L);
        c20.intoArray(out, o + 2 * ld);
        c21.intoArray(out, o + 2 * ld + L);
        c30.intoArray(out, o + 3 * ld);
        c31.intoArray(out, o + 3 * ld + L);
        c40.intoArray(out, o + 4 * ld);
        c41.intoArray(out, o + 4 * ld + L);
        c50.intoArray(out, o + 5 * ld);
        c51.intoArray(out, o + 5 * ld + L);
        c60.intoArray(out, o + 6 * ld);
        c61.intoArray(out, o + 6 * ld + L);
        c70.intoArray(out, o + 7 * ld);
        c71.intoArray(out, o + 7 * ld + L);
    }

    /**
     * Merges an MR×NR tile of raw products into C: C[0..mr, 0..nr) = alpha·tile (+ C) (+ bias). Kept out of the
     * micro-kernel so that the kernel stays small enough for the JIT to keep every vector in a register.
     */
    static void merge(float[] tile, float[] c, int ci, int ldc, int mr, int nr, float alpha, boolean acc,
                              float[] bias, int biasOff) {
        for (int r = 0; r < mr; r++) {
            int o = ci + r * ldc;
            int t = r * NR;
            if (nr == NR) {
                for (int v = 0; v < NR; v += L) {
                    FloatVector x = FloatVector.fromArray(F, tile, t + v);
                    if (alpha != 1f) {
                        x = x.mul(alpha);
                    }
                    if (acc) {
                        x = x.add(FloatVector.fromArray(F, c, o + v));
                    }
                    if (bias != null) {
                        x = x.add(FloatVector.fromArray(F, bias, biasOff + v));
                    }
                    x.intoArray(c, o + v);
                }
            } else {
                for (int j = 0; j < nr; j++) {
                    float x = alpha * tile[t + j];
                    if (acc) {
                        x += c[o + j];
                    }
                    if (bias != null) {
                        x += bias[biasOff + j];
                    }
                    c[o + j] = x;
                }
            }
        }
    }
}
