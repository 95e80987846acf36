package org.tarflow.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.tarflow.tensor.GemmSpec;

/**
 * Single-precision matrix multiply: packed panels and a register-tiled micro-kernel (the GotoBLAS scheme), with its
 * scalar twin {@link #scalar} as the oracle.
 *
 * <p>Blocking: k is cut into KC-deep slices. For each slice, op(B) is packed once into NR-wide column strips
 * (k-major, zero-padded) shared by all threads; then tasks, one per MC-row block of A (times a column range), run
 * the MR×NR micro-kernel over every (MR rows, NR strip) pair. The micro-kernel keeps MR×NR/L accumulators in vector
 * registers and per k step loads NR/L vectors of B and broadcasts MR values of A, which it reads in place through
 * two strides (both layouts of A are MR rows of one k step a fixed distance apart): packing A cost as much as the
 * arithmetic for the N = 128 products of a Transformer and for transposed weight gradients. The B packing buffer
 * lives as long as the thread and grows only when a larger shape arrives.
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

    private static final ThreadLocal<float[][]> TILE = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<float[][]> ZEROS = ThreadLocal.withInitial(() -> new float[1][0]);
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
        if (s.transB() && !s.transA() && s.m() <= SMALL_M && s.k() > 0
                && (long) s.n() * s.k() >= 32L * s.m() * s.m()) {
            swapped(team, s, a, aOff, b, bOff, bias, biasOff, c, cOff);
        } else if (team != null && team.size() > 1 && s.k() >= 2 * KC && s.k() >= 4L * Math.max(s.m(), s.n())) {
            splitK(team, s, a, aOff, b, bOff, bias, biasOff, c, cOff);
        } else {
            range(team, s, 0, s.k(), a, aOff, b, bOff, bias, biasOff, c, cOff);
        }
    }

    /**
     * At most this many rows of A take {@link #swapped}: a sampling step multiplies a few dozen token rows by each
     * weight matrix, and packing the weights then cost as much as the arithmetic. Only weights of at least 32·m²
     * elements do: below that packing them is cheap and the swapped path's own costs (packing Aᵀ, writing tiles
     * back transposed) lose. Measured on 2 threads, GFLOP/s regular → swapped: m = 64: 768×256 137–155 → 177–195,
     * 384×128 153 → 131–144, 128×128 170 → 88–110; m = 32: 384×128 88–92 → 107–117, 96×256 119–125 → 94–97.
     */
    static final int SMALL_M = 64;

    /**
     * C = A·Bᵀ for small m, computed as (B·Aᵀ)ᵀ: the micro-kernel reads the weight matrix B [n, k] in place as its
     * row operand (rows n apart, k contiguous) and only the small A is packed, as NR-wide strips of Aᵀ over all of
     * k. Each MR×NR result tile holds MR columns of C for NR of its rows and is written back transposed.
     */
    private static void swapped(ThreadTeam team, GemmSpec s, float[] a, int aOff, float[] b, int bOff, float[] bias,
                                int biasOff, float[] c, int cOff) {
        final int m = s.m();
        final int n = s.n();
        final int k = s.k();
        final int ldb = s.ldb();
        final int strips = (m + NR - 1) / NR;
        // A [m, k] read as the transposed right operand [k, m] of B·Aᵀ
        GemmSpec asRight = GemmSpec.of(1, m, k, false, true);
        final float[] packA = grow(PACK_B, k * strips * NR);
        if (team == null || strips == 1) {
            for (int js = 0; js < strips; js++) {
                packB(asRight, a, aOff, 0, k, js, packA);
            }
        } else {
            team.run(strips, js -> packB(asRight, a, aOff, 0, k, js, packA));
        }
        final int rowBlocks = (n + MR - 1) / MR;
        final float alpha = (float) s.alpha();
        final boolean acc = s.accumulate();
        int tasks = team == null ? 1 : Math.min(rowBlocks, team.size() * 4);
        ThreadTeam.Body body = t -> {
            float[] tile = grow(TILE, MR * NR);
            float[] zeros = grow(ZEROS, NR);
            int jFrom = (int) ((long) rowBlocks * t / tasks) * MR;
            int jTo = Math.min(n, (int) ((long) rowBlocks * (t + 1) / tasks) * MR);
            int span = jTo - jFrom;
            // this task's columns of C gathered here first ([m, span]): written straight into C, the transposed
            // tiles hit rows n floats apart, and with n = 1024 every one of them fell into the same L1 set
            float[] part = grow(SWAPPED_PART, m * span);
            for (int j0 = jFrom; j0 < jTo; j0 += MR) {
                int mr = Math.min(MR, n - j0);
                for (int js = 0; js < strips; js++) {
                    int i0 = js * NR;
                    kernel(k, b, bOff + j0 * ldb, ldb, 1, mr, packA, js * k * NR, zeros, 0, tile, 0, NR, false);
                    int nr = Math.min(NR, m - i0);
                    for (int ii = 0; ii < nr; ii++) {
                        int o = (i0 + ii) * span + (j0 - jFrom);
                        for (int r = 0; r < mr; r++) {
                            part[o + r] = tile[r * NR + ii];
                        }
                    }
                }
            }
            for (int i = 0; i < m; i++) {
                int ci = cOff + i * n + jFrom;
                int pi = i * span;
                for (int j = 0; j < span; j++) {
                    float v = alpha * part[pi + j];
                    if (acc) {
                        v += c[ci + j];
                    }
                    c[ci + j] = bias == null ? v : v + bias[biasOff + jFrom + j];
                }
            }
        };
        if (team == null) {
            body.run(0);
        } else {
            team.run(tasks, body);
        }
    }

    private static final ThreadLocal<float[][]> SWAPPED_PART = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<float[][]> SPLIT_K = ThreadLocal.withInitial(() -> new float[1][0]);

    /**
     * Deep products with a small result (weight gradients: k = batch·tokens) split k across threads: each thread
     * computes its share of the sum into its own buffer without synchronising per k slice, then the shares are added.
     * Splitting m or n instead leaves too few tasks and a barrier per k slice.
     */
    private static void splitK(ThreadTeam team, GemmSpec s, float[] a, int aOff, float[] b, int bOff, float[] bias,
                               int biasOff, float[] c, int cOff) {
        int parts = team.size();
        int mn = s.m() * s.n();
        float[] partial = grow(SPLIT_K, parts * mn);
        GemmSpec plain = new GemmSpec(1, s.m(), s.n(), s.k(), s.transA(), s.transB(), 0, 0, 0, 1.0, false);
        int slices = (s.k() + KC - 1) / KC;
        team.run(parts, t -> {
            int from = (int) ((long) slices * t / parts) * KC;
            int to = Math.min(s.k(), (int) ((long) slices * (t + 1) / parts) * KC);
            if (from < to) {
                range(null, plain, from, to, a, aOff, b, bOff, null, 0, partial, t * mn);
            } else {
                java.util.Arrays.fill(partial, t * mn, (t + 1) * mn, 0f);
            }
        });
        float alpha = (float) s.alpha();
        int n = s.n();
        team.run(parts, t -> {
            int r0 = s.m() * t / parts;
            int r1 = s.m() * (t + 1) / parts;
            for (int i = r0 * n; i < r1 * n; i++) {
                float v = 0f;
                for (int q = 0; q < parts; q++) {
                    v += partial[q * mn + i];
                }
                v *= alpha;
                if (s.accumulate()) {
                    v += c[cOff + i];
                }
                if (bias != null) {
                    v += bias[biasOff + i % n];
                }
                c[cOff + i] = v;
            }
        });
    }

    /** The product restricted to k in [kFrom, kTo): C = alpha·op(A)·op(B) over that range (+ C) (+ bias). */
    private static void range(ThreadTeam team, GemmSpec s, int kFrom, int kTo, float[] a, int aOff, float[] b,
                              int bOff, float[] bias, int biasOff, float[] c, int cOff) {
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
        // A is read in place: element (row r, depth p) of op(A) sits at r·rs + p·ks
        final int lda = s.lda();
        final int rs = s.transA() ? 1 : lda;
        final int ks = s.transA() ? lda : 1;
        for (int pc = kFrom; pc < kTo; pc += KC) {
            final int kc = Math.min(KC, kTo - pc);
            final int p0 = pc;
            final boolean first = pc == kFrom;
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
                float[] tile = grow(TILE, MR * NR);
                float[] zeros = grow(ZEROS, NR); // never written: the initial accumulators without a bias
                int jsEnd = Math.min(strips, (chunk + 1) * stripsPerChunk);
                for (int js = chunk * stripsPerChunk; js < jsEnd; js++) {
                    int j0 = js * NR;
                    int nr = Math.min(NR, n - j0);
                    for (int is = 0; is < aStrips; is++) {
                        int r0 = i0 + is * MR;
                        int mr = Math.min(MR, m - r0);
                        boolean add = !first || s.accumulate();
                        int ci = cOff + r0 * n + j0;
                        int ai = aOff + (s.transA() ? p0 * lda + r0 : r0 * lda + p0);
                        if (mr == MR && nr == NR && alpha == 1f) {
                            boolean withBias = first && bias != null;
                            kernel(kc, a, ai, rs, ks, mr, packB, js * kc * NR, withBias ? bias : zeros,
                                    withBias ? biasOff + j0 : 0, c, ci, n, add);
                        } else {
                            kernel(kc, a, ai, rs, ks, mr, packB, js * kc * NR, zeros, 0, tile, 0, NR, false);
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
        } else if (nr == NR) {
            // B is [n, k]: column j of op(B) is row j of B. A full strip is gathered one k step at a time (16 rows
            // per gather): the scalar transpose below cost a quarter of a forward-pass GEMM.
            int[] rows = Simd.rowOffsets(ldb); // NR = 2L rows
            int src = bOff + j0 * ldb + p0;
            for (int p = 0; p < kc; p++) {
                FloatVector.fromArray(F, b, src + p, rows, 0).intoArray(dst, d);
                FloatVector.fromArray(F, b, src + p, rows, L).intoArray(dst, d + L);
                d += NR;
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

    /**
     * One MR×NR tile: out[o + r·ld + j] (+)= (Apanel·Bpanel)[r][j]. Panels are packed and zero-padded, so the k loop
     * is branch-free. Full tiles write straight into C (ld = n); edge tiles go to a scratch tile (ld = NR) and
     * through {@link #merge}.
     */
    private static void kernel(int kc, float[] ap, int ai, int rs, int ks, int mr, float[] bp, int bi, float[] init,
                               int io, float[] out, int o, int ld, boolean add) {
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
        // indices written as base + p·step (not running sums) so that C2 can hoist the bounds checks of the
        // loop: its range-check elimination only sees expressions linear in the loop counter
        for (int p = 0; p < kc; p++) {
            int ap0 = ai + p * ks;
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
