package org.tarflow.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.tarflow.tensor.GemmSpec;

/**
 * Single-precision matrix multiply: packed panels and a register-tiled micro-kernel (the GotoBLAS scheme), with its
 * scalar twin {@link #scalar} as the oracle.
 *
 * <p>Blocking: k is cut into KC-deep slices. For each slice, op(B) is packed once into NR-wide column strips
 * (k-major, zero-padded) shared by all threads; then tasks, one per MC-row block of A (times a column range), pack
 * their rows of op(A) into MR-tall strips in a thread-local buffer and run the MR×NR micro-kernel over every strip
 * pair. The micro-kernel keeps MR×NR/L accumulators in vector registers and per k step loads NR/L vectors of B and
 * broadcasts MR values of A. Packing buffers live as long as the thread and grow only when a larger shape arrives.
 */
final class Gemm {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;
    /** Micro-tile rows. */
    static final int MR = 8;
    /** Micro-tile columns: two vectors. */
    static final int NR = 2 * L;
    /**
     * Depth of a packed k slice. 512 keeps the common k ≤ 512 products in one slice (C is written once); an NR strip
     * of B (512·NR floats, 64 KB) then streams from L2 while the MR strip of A (16 KB) stays in L1.
     */
    static final int KC = 512;
    /** Rows of A packed per task (64·512 floats = 128 KB in L2). */
    static final int MC = 64;
    /** Columns of B per task (512·256 floats = 512 KB in L2). Chosen by a sweep on this machine (see bench/). */
    static final int NC = 256;
    /** Below this many flops, threads cost more than they give. */
    private static final long PARALLEL_FLOPS = 1L << 20;

    private static final ThreadLocal<float[][]> PACK_A = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<float[][]> TILE = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<float[][]> PACK_B = ThreadLocal.withInitial(() -> new float[1][0]);

    private Gemm() {
    }

    /** C = alpha·op(A)·op(B) (+ C) (+ bias) for every batch entry: see {@link GemmSpec}. */
    static void simd(ThreadTeam team, GemmSpec s, float[] a, int aOff, float[] b, int bOff, float[] bias, int biasOff,
                     float[] c, int cOff) {
        if (s.m() == 0 || s.n() == 0) {
            return;
        }
        long perMatrix = 2L * s.m() * s.n() * s.k();
        if (s.batch() > 1 && perMatrix < PARALLEL_FLOPS * 8) {
            // many small products: one per task
            team.run(s.batch(), p -> single(null, s, a, aOff + p * s.strideA(), b, bOff + p * s.strideB(), bias,
                    biasOff, c, cOff + p * s.strideC()));
            return;
        }
        for (int p = 0; p < s.batch(); p++) {
            single(perMatrix < PARALLEL_FLOPS ? null : team, s, a, aOff + p * s.strideA(), b, bOff + p * s.strideB(),
                    bias, biasOff, c, cOff + p * s.strideC());
        }
    }

    private static float[] grow(ThreadLocal<float[][]> holder, int size) {
        float[][] h = holder.get();
        if (h[0].length < size) {
            h[0] = new float[size];
        }
        return h[0];
    }

    /** One product; team null means the calling thread does all of it. */
    private static void single(ThreadTeam team, GemmSpec s, float[] a, int aOff, float[] b, int bOff, float[] bias,
                               int biasOff, float[] c, int cOff) {
        final int m = s.m();
        final int n = s.n();
        final int k = s.k();
        final int strips = (n + NR - 1) / NR;
        final float alpha = (float) s.alpha();
        if (k == 0) {
            fillEdge(s, bias, biasOff, c, cOff);
            return;
        }
        final float[] packB = grow(PACK_B, Math.min(KC, k) * strips * NR);
        int threads = team == null ? 1 : team.size();
        final int mBlocks = (m + MC - 1) / MC;
        // enough column ranges that every thread has work even when m is small
        // column chunks of at most NC (so a chunk of packed B and a block of packed A share L2), and enough chunks
        // that every thread has work when m is small
        final int nChunks = Math.max((n + NC - 1) / NC, Math.min(strips, (threads * 2 + mBlocks - 1) / mBlocks));
        final int stripsPerChunk = (strips + nChunks - 1) / nChunks;
        for (int pc = 0; pc < k; pc += KC) {
            final int kc = Math.min(KC, k - pc);
            final int p0 = pc;
            final boolean first = pc == 0;
            if (team == null) {
                for (int js = 0; js < strips; js++) {
                    packB(s, b, bOff, p0, kc, js, packB);
                }
            } else {
                team.run(Math.min(strips, threads * 4), t -> {
                    int per = (strips + Math.min(strips, team.size() * 4) - 1) / Math.min(strips, team.size() * 4);
                    for (int js = t * per; js < Math.min(strips, (t + 1) * per); js++) {
                        packB(s, b, bOff, p0, kc, js, packB);
                    }
                });
            }
            ThreadTeam.Body block = task -> {
                int ib = task / nChunks;
                int chunk = task % nChunks;
                int i0 = ib * MC;
                int mc = Math.min(MC, m - i0);
                int aStrips = (mc + MR - 1) / MR;
                float[] packA = grow(PACK_A, kc * aStrips * MR);
                float[] tile = grow(TILE, MR * NR);
                for (int is = 0; is < aStrips; is++) {
                    packA(s, a, aOff, i0 + is * MR, Math.min(MR, m - i0 - is * MR), p0, kc, packA, is * kc * MR);
                }
                int jsEnd = Math.min(strips, (chunk + 1) * stripsPerChunk);
                for (int js = chunk * stripsPerChunk; js < jsEnd; js++) {
                    int j0 = js * NR;
                    int nr = Math.min(NR, n - j0);
                    for (int is = 0; is < aStrips; is++) {
                        int r0 = i0 + is * MR;
                        int mr = Math.min(MR, m - r0);
                        boolean add = !first || s.accumulate();
                        int ci = cOff + r0 * n + j0;
                        if (mr == MR && nr == NR && alpha == 1f) {
                            kernel(kc, packA, is * kc * MR, packB, js * kc * NR, c, ci, n, add);
                            if (first && bias != null) {
                                addBias(c, ci, n, bias, biasOff + j0);
                            }
                        } else {
                            kernel(kc, packA, is * kc * MR, packB, js * kc * NR, tile, 0, NR, false);
                            merge(tile, c, ci, n, mr, nr, alpha, add, first ? bias : null, biasOff + j0);
                        }
                    }
                }
            };
            int tasks = mBlocks * nChunks;
            if (team == null) {
                for (int t = 0; t < tasks; t++) {
                    block.run(t);
                }
            } else {
                team.run(tasks, block);
            }
        }
    }

    /** k = 0: C = (C or 0) + bias. */
    private static void fillEdge(GemmSpec s, float[] bias, int biasOff, float[] c, int cOff) {
        for (int i = 0; i < s.m(); i++) {
            for (int j = 0; j < s.n(); j++) {
                int ci = cOff + i * s.n() + j;
                float v = s.accumulate() ? c[ci] : 0f;
                c[ci] = bias == null ? v : v + bias[biasOff + j];
            }
        }
    }

    /** Packs columns [js·NR, js·NR + NR) of op(B), rows [p0, p0 + kc), k-major, zero-padded on the right. */
    private static void packB(GemmSpec s, float[] b, int bOff, int p0, int kc, int js, float[] dst) {
        int n = s.n();
        int j0 = js * NR;
        int nr = Math.min(NR, n - j0);
        int d = js * kc * NR;
        int ldb = s.ldb();
        if (!s.transB()) {
            // B is [k, n]: each k row of the strip is contiguous
            if (nr == NR) {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (p0 + p) * ldb + j0;
                    FloatVector.fromArray(F, b, src).intoArray(dst, d);
                    FloatVector.fromArray(F, b, src + L).intoArray(dst, d + L);
                    d += NR;
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (p0 + p) * ldb + j0;
                    for (int jj = 0; jj < NR; jj++) {
                        dst[d + jj] = jj < nr ? b[src + jj] : 0f;
                    }
                    d += NR;
                }
            }
        } else {
            // B is [n, k]: column j of op(B) is row j of B
            for (int jj = 0; jj < NR; jj++) {
                if (jj < nr) {
                    int src = bOff + (j0 + jj) * ldb + p0;
                    for (int p = 0; p < kc; p++) {
                        dst[d + p * NR + jj] = b[src + p];
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        dst[d + p * NR + jj] = 0f;
                    }
                }
            }
        }
    }

    /** Packs rows [i0, i0 + mr) of op(A), columns [p0, p0 + kc), k-major MR-tall strip, zero-padded below. */
    private static void packA(GemmSpec s, float[] a, int aOff, int i0, int mr, int p0, int kc, float[] dst, int d) {
        int lda = s.lda();
        if (!s.transA()) {
            // A is [m, k]
            for (int ii = 0; ii < MR; ii++) {
                if (ii < mr) {
                    int src = aOff + (i0 + ii) * lda + p0;
                    for (int p = 0; p < kc; p++) {
                        dst[d + p * MR + ii] = a[src + p];
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        dst[d + p * MR + ii] = 0f;
                    }
                }
            }
        } else {
            // A is [k, m]: the MR values of one k step are contiguous
            for (int p = 0; p < kc; p++) {
                int src = aOff + (p0 + p) * lda + i0;
                int o = d + p * MR;
                if (mr == MR) {
                    System.arraycopy(a, src, dst, o, MR);
                } else {
                    for (int ii = 0; ii < MR; ii++) {
                        dst[o + ii] = ii < mr ? a[src + ii] : 0f;
                    }
                }
            }
        }
    }

    /**
     * One MR×NR tile: out[o + r·ld + j] (+)= (Apanel·Bpanel)[r][j]. Panels are packed and zero-padded, so the k loop
     * is branch-free. Full tiles write straight into C (ld = n); edge tiles go to a scratch tile (ld = NR) and
     * through {@link #merge}.
     */
    private static void kernel(int kc, float[] ap, int ai, float[] bp, int bi, float[] out, int o, int ld,
                               boolean add) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F);
        FloatVector c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F);
        FloatVector c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F);
        FloatVector c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F);
        FloatVector c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F);
        FloatVector c51 = FloatVector.zero(F);
        FloatVector c60 = FloatVector.zero(F);
        FloatVector c61 = FloatVector.zero(F);
        FloatVector c70 = FloatVector.zero(F);
        FloatVector c71 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bi);
            FloatVector b1 = FloatVector.fromArray(F, bp, bi + L);
            FloatVector av = FloatVector.broadcast(F, ap[ai]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(F, ap[ai + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(F, ap[ai + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(F, ap[ai + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(F, ap[ai + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(F, ap[ai + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(F, ap[ai + 6]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(F, ap[ai + 7]);
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
            ai += MR;
            bi += NR;
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

    /** Adds the bias row to the MR rows of a full tile just written (still in L1). */
    private static void addBias(float[] c, int ci, int ldc, float[] bias, int bo) {
        FloatVector b0 = FloatVector.fromArray(F, bias, bo);
        FloatVector b1 = FloatVector.fromArray(F, bias, bo + L);
        for (int r = 0; r < MR; r++) {
            int o = ci + r * ldc;
            FloatVector.fromArray(F, c, o).add(b0).intoArray(c, o);
            FloatVector.fromArray(F, c, o + L).add(b1).intoArray(c, o + L);
        }
    }

    /**
     * Merges an MR×NR tile of raw products into C: C[0..mr, 0..nr) = alpha·tile (+ C) (+ bias). Kept out of the
     * micro-kernel so that the kernel stays small enough for the JIT to keep every vector in a register.
     */
    private static void merge(float[] tile, float[] c, int ci, int ldc, int mr, int nr, float alpha, boolean acc,
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

    /** The scalar twin: the same contract in plain loops (i-p-j order, float accumulation). */
    static void scalar(GemmSpec s, float[] a, int aOff, float[] b, int bOff, float[] bias, int biasOff, float[] c,
                       int cOff) {
        int m = s.m();
        int n = s.n();
        int k = s.k();
        int lda = s.lda();
        int ldb = s.ldb();
        float alpha = (float) s.alpha();
        float[] row = new float[n];
        for (int p0 = 0; p0 < s.batch(); p0++) {
            int ao = aOff + p0 * s.strideA();
            int bo = bOff + p0 * s.strideB();
            int co = cOff + p0 * s.strideC();
            for (int i = 0; i < m; i++) {
                java.util.Arrays.fill(row, 0f);
                for (int p = 0; p < k; p++) {
                    float av = s.transA() ? a[ao + p * lda + i] : a[ao + i * lda + p];
                    if (s.transB()) {
                        for (int j = 0; j < n; j++) {
                            row[j] += av * b[bo + j * ldb + p];
                        }
                    } else {
                        int br = bo + p * ldb;
                        for (int j = 0; j < n; j++) {
                            row[j] += av * b[br + j];
                        }
                    }
                }
                for (int j = 0; j < n; j++) {
                    int ci = co + i * n + j;
                    float v = alpha * row[j];
                    if (s.accumulate()) {
                        v += c[ci];
                    }
                    if (bias != null) {
                        v += bias[biasOff + j];
                    }
                    c[ci] = v;
                }
            }
        }
    }
}
