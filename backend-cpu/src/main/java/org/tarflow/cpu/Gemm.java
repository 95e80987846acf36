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
 * registers and per k step loads NR/L vectors of B and broadcasts MR values of A ({@link GemmTiles}); with a row-major
 * A and 512-bit vectors, pairs of full strips take a 6×2NR tile instead, in blocks of {@link #MC_WIDE} rows
 * ({@link #rowMajorTiles}). A row-major A is read in place (packing it cost as much as the arithmetic for the
 * N = 128 products of a Transformer); a transposed A (weight gradients) is copied per k slice into k-major MR-row
 * strips, where each step is contiguous.
 * The packing buffers live as long as the thread and grow only when a larger shape arrives; the packing itself
 * is {@link GemmPacking}'s.
 */
final class Gemm {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;
    private static final int MR = GemmTiles.MR;
    private static final int NR = GemmTiles.NR;
    /**
     * Depth of a packed k slice. 1024 keeps a Transformer's products (k = width, 4·width for the second MLP
     * product) in one slice, so C is written once and op(B) packed once; an NR strip of B (1024·NR floats, 128 KB)
     * streams from L2. Against 512, 2 threads, A's shapes: 2016×256×1024 (tB) 280 → 330–335 GFLOP/s, 2016×256×768
     * 305 → 343, 1024×256×2016 (tA) 240–244 → 252–257; products with k ≤ 512 are unchanged.
     */
    static final int KC = 1024;
    /** Split k across threads (weight gradients) from this depth on, where k is also ≥ 4·max(m, n). */
    static final int SPLIT_K_MIN = 1024;
    /** Rows of A per task (64·1024 floats = 256 KB; 32 and 128 measured the same with KC = 1024). */
    static final int MC = 64;
    /** Columns of B per task (up to 1024·256 floats = 1 MB packed). Chosen by sweeps on this machine (see bench/). */
    static final int NC = 256;
    /** Below this many flops, threads cost more than they give. */
    private static final long PARALLEL_FLOPS = 1L << 20;

    private static final ThreadLocal<float[][]> TILE = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<float[][]> ZEROS = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<float[][]> PACK_B = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<float[][]> PACK_A = ThreadLocal.withInitial(() -> new float[1][0]);

    private Gemm() {
    }

    /** C = alpha·op(A)·op(B) (+ C) (+ bias) for every batch entry: see {@link GemmSpec}. */
    static void simd(ThreadTeam team, GemmSpec s, float[] a, int aOff, float[] b, int bOff, float[] bias, int biasOff,
                     float[] c, int cOff) {
        simd(team, s, a, aOff, b, bOff, bias, biasOff, c, cOff, null);
    }

    /**
     * As above, with op(B) already packed ({@code packed} ready) or to be packed into {@code packed} and kept (not
     * ready; ready on return). Only for products where {@link #packsWholeB} holds; null packs as usual.
     */
    static void simd(ThreadTeam team, GemmSpec s, float[] a, int aOff, float[] b, int bOff, float[] bias, int biasOff,
                     float[] c, int cOff, PackedWeights.Entry packed) {
        if (s.m() == 0 || s.n() == 0) {
            return;
        }
        if (packed != null) {
            if (!packsWholeB(team, s) || packed.packed.length < PackedWeights.packedSize(s)) {
                throw new IllegalArgumentException("no packed operand for " + s);
            }
            single(teamFor(team, s), s, a, aOff, b, bOff, bias, biasOff, c, cOff, packed);
            packed.ready = true;
            return;
        }
        long perMatrix = 2L * s.m() * s.n() * s.k();
        if (s.batch() > 1 && perMatrix < PARALLEL_FLOPS * 8) {
            // many small products: one per task
            team.run(s.batch(), p -> single(null, s, a, aOff + p * s.strideA(), b, bOff + p * s.strideB(), bias,
                    biasOff, c, cOff + p * s.strideC(), null));
            return;
        }
        for (int p = 0; p < s.batch(); p++) {
            single(perMatrix < PARALLEL_FLOPS ? null : team, s, a, aOff + p * s.strideA(), b, bOff + p * s.strideB(),
                    bias, biasOff, c, cOff + p * s.strideC(), null);
        }
    }

    static float[] grow(ThreadLocal<float[][]> holder, int size) {
        float[][] h = holder.get();
        if (h[0].length < size) {
            h[0] = new float[size];
        }
        return h[0];
    }

    /** The team for one product of this spec: none (the calling thread) under {@link #PARALLEL_FLOPS}. */
    private static ThreadTeam teamFor(ThreadTeam team, GemmSpec s) {
        return 2L * s.m() * s.n() * s.k() < PARALLEL_FLOPS ? null : team;
    }

    /**
     * Whether this product packs all of op(B) in the layout {@link PackedWeights} keeps: one product of A·Bᵀ (a
     * linear layer's forward pass) that takes {@link #ownedColumns} or {@link #range}, which lay out every k slice
     * of op(B) as the NR-wide strips of that slice, slice after slice.
     */
    static boolean packsWholeB(ThreadTeam team, GemmSpec s) {
        if (s.batch() != 1 || !s.transB() || s.transA() || s.m() == 0 || s.n() == 0 || s.k() == 0) {
            return false;
        }
        return !takesSwapped(s) && !takesSplitK(teamFor(team, s), s);
    }

    private static boolean takesSwapped(GemmSpec s) {
        return s.transB() && !s.transA() && s.m() <= SMALL_M && s.k() > 0
                && (long) s.n() * s.k() >= 32L * s.m() * s.m();
    }

    /** One product; team null means the calling thread does all of it. packed: see {@link #simd}. */
    private static void single(ThreadTeam team, GemmSpec s, float[] a, int aOff, float[] b, int bOff, float[] bias,
                               int biasOff, float[] c, int cOff, PackedWeights.Entry packed) {
        if (takesSwapped(s)) {
            swapped(team, s, a, aOff, b, bOff, bias, biasOff, c, cOff);
        } else if (takesSplitK(team, s)) {
            splitK(team, s, a, aOff, b, bOff, bias, biasOff, c, cOff, null);
        } else if (s.transA() && !s.transB() && !s.accumulate() && s.alpha() == 1.0 && bias == null
                && ownsTransposedA(team, s)) {
            // a weight gradient through the plain entry point: the same paths as weightGradient's
            ownedTransposedA(team, s, a, aOff, b, bOff, c, cOff, null);
        } else if (ownsColumns(team, s)) {
            ownedColumns(team, s, a, aOff, b, bOff, bias, biasOff, c, cOff, packed);
        } else {
            range(team, s, 0, s.k(), a, aOff, b, bOff, bias, biasOff, c, cOff, null, 0, packed);
        }
    }

    /** Whether this product, run on {@code team}, splits k across the threads ({@link #splitK}). */
    static boolean splitsK(ThreadTeam team, GemmSpec s) {
        return takesSplitK(teamFor(team, s), s);
    }

    private static boolean takesSplitK(ThreadTeam team, GemmSpec s) {
        return team != null && team.size() > 1 && s.k() >= SPLIT_K_MIN && s.k() >= 4L * Math.max(s.m(), s.n());
    }

    /**
     * C = Aᵀ·B (one product, alpha 1, no bias, C overwritten) and, from the Aᵀ strips the product packs anyway,
     * rowSums[i] = Σ_p A[p][i]: a linear layer's weight gradient gyᵀ·x and its bias gradient Σ_rows gy in one pass
     * over gy, where a separate column sum re-read all of gy from memory (2–9 ms of a training step). Each packed
     * slice's sums are float over at most {@link GemmPacking#SUM_BLOCK} steps, carried into double in k order.
     */
    static void weightGradient(ThreadTeam team, GemmSpec s, float[] a, int aOff, float[] b, int bOff, float[] c,
                               int cOff, double[] rowSums) {
        if (!s.transA() || s.transB() || s.batch() != 1 || s.accumulate() || s.alpha() != 1.0) {
            throw new IllegalArgumentException("weightGradient takes one Aᵀ·B product with alpha 1, got " + s);
        }
        java.util.Arrays.fill(rowSums, 0, s.m(), 0.0);
        if (s.m() == 0 || s.n() == 0 || s.k() == 0) {
            if (s.k() == 0) {
                fillEdge(s, null, 0, c, cOff);
            }
            return;
        }
        ThreadTeam t = teamFor(team, s);
        if (takesSplitK(t, s)) {
            splitK(t, s, a, aOff, b, bOff, null, 0, c, cOff, rowSums);
        } else if (ownsTransposedA(t, s)) {
            ownedTransposedA(t, s, a, aOff, b, bOff, c, cOff, rowSums);
        } else if (t == null && s.n() >= 2 * s.m()) {
            transposedWeightGradient(null, s, a, aOff, b, bOff, c, cOff, rowSums);
        } else {
            range(t, s, 0, s.k(), a, aOff, b, bOff, null, 0, c, cOff, rowSums, 0, null);
        }
    }

    /** Whether C = A·op(B) takes {@link #ownedColumns}: two threads or more, and 8 strips of columns a thread. */
    private static boolean ownsColumns(ThreadTeam team, GemmSpec s) {
        return OWNED && team != null && team.size() > 1 && !s.transA() && s.k() > 0
                && (s.n() + NR - 1) / NR >= 8 * team.size();
    }

    /** Whether C = Aᵀ·B takes {@link #ownedTransposedA}: two threads or more, and two row blocks a thread. */
    private static boolean ownsTransposedA(ThreadTeam team, GemmSpec s) {
        if (!OWNED || team == null || team.size() < 2 || s.k() == 0) {
            return false;
        }
        int wide = s.n() >= 2 * s.m() ? s.n() : s.m();
        return (wide + MC - 1) / MC >= 2 * team.size();
    }

    /** C = Aᵀ·B (rowSums, when not null, as in {@link #weightGradient}) with each thread owning row blocks. */
    private static void ownedTransposedA(ThreadTeam team, GemmSpec s, float[] a, int aOff, float[] b, int bOff,
                                         float[] c, int cOff, double[] rowSums) {
        if (s.n() >= 2 * s.m()) {
            transposedWeightGradient(team, s, a, aOff, b, bOff, c, cOff, rowSums);
        } else {
            ownedRowsTransposedA(team, s, a, aOff, b, bOff, c, cOff, rowSums);
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
                GemmPacking.packB(asRight, a, aOff, 0, k, js, packA);
            }
        } else {
            team.run(strips, js -> GemmPacking.packB(asRight, a, aOff, 0, k, js, packA));
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
            // the tiles (rows j of Cᵀ, columns i) land untransposed in partT [span, ldT], full ones straight from the
            // micro-kernel; then one transpose in 16×16 register blocks into part [m, span] (element by element,
            // the transposed tile copies cost a tenth of the arithmetic at k = 256). Written straight into C, the
            // transposed tiles hit rows n floats apart, and with n = 1024 every one of them fell into one L1 set.
            int ldT = strips * NR;
            float[] partT = grow(SWAPPED_PART_T, span * ldT);
            float[] part = grow(SWAPPED_PART, m * span);
            for (int j0 = jFrom; j0 < jTo; j0 += MR) {
                int mr = Math.min(MR, n - j0);
                int rowT = (j0 - jFrom) * ldT;
                for (int js = 0; js < strips; js++) {
                    int i0 = js * NR;
                    if (mr == MR) {
                        GemmTiles.rowMajorA(k, b, bOff + j0 * ldb, ldb, mr, packA, js * k * NR, zeros, 0, partT,
                                rowT + i0, ldT, false);
                    } else {
                        GemmTiles.rowMajorA(k, b, bOff + j0 * ldb, ldb, mr, packA, js * k * NR, zeros, 0, tile, 0, NR,
                                false);
                        for (int r = 0; r < mr; r++) {
                            System.arraycopy(tile, r * NR, partT, rowT + r * ldT + i0, NR);
                        }
                    }
                }
            }
            GemmPacking.transposeInto(partT, ldT, span, 0, m, part, 0);
            for (int i = 0; i < m; i++) {
                finishRow(part, i * span, c, cOff + i * n + jFrom, span, alpha, acc, bias, biasOff + jFrom);
            }
        };
        if (team == null) {
            body.run(0);
        } else {
            team.run(tasks, body);
        }
    }

    /** dst[di..di+len) += src[si..si+len). */
    private static void addInto(float[] src, int si, float[] dst, int di, int len) {
        int j = 0;
        for (int bound = F.loopBound(len); j < bound; j += L) {
            FloatVector.fromArray(F, dst, di + j).add(FloatVector.fromArray(F, src, si + j)).intoArray(dst, di + j);
        }
        for (; j < len; j++) {
            dst[di + j] += src[si + j];
        }
    }

    /** c[ci..ci+len) = alpha·part[pi..] (+ c) (+ bias[bi..]), vector by vector. */
    private static void finishRow(float[] part, int pi, float[] c, int ci, int len, float alpha, boolean acc,
                                  float[] bias, int bi) {
        int j = 0;
        for (int bound = F.loopBound(len); j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(F, part, pi + j).mul(alpha);
            if (acc) {
                v = v.add(FloatVector.fromArray(F, c, ci + j));
            }
            if (bias != null) {
                v = v.add(FloatVector.fromArray(F, bias, bi + j));
            }
            v.intoArray(c, ci + j);
        }
        for (; j < len; j++) {
            float v = alpha * part[pi + j];
            if (acc) {
                v += c[ci + j];
            }
            c[ci + j] = bias == null ? v : v + bias[bi + j];
        }
    }

    private static final ThreadLocal<float[][]> SWAPPED_PART = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<float[][]> SWAPPED_PART_T = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<float[][]> SPLIT_K = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<double[][]> SPLIT_K_SUMS = ThreadLocal.withInitial(() -> new double[1][0]);
    private static double[] growDoubles(ThreadLocal<double[][]> holder, int size) {
        double[][] h = holder.get();
        if (h[0].length < size) {
            h[0] = new double[size];
        }
        return h[0];
    }

    /**
     * Deep products with a small result (weight gradients: k = batch·tokens) split k across threads: each piece of k
     * ({@link #SPLIT_PIECES} a thread) is summed into its own buffer without synchronising per k slice, then the
     * pieces are added. Splitting m or n instead leaves too few tasks and a barrier per k slice.
     */
    private static void splitK(ThreadTeam team, GemmSpec s, float[] a, int aOff, float[] b, int bOff, float[] bias,
                               int biasOff, float[] c, int cOff, double[] rowSums) {
        int parts = team.size();
        int pieces = parts * SPLIT_PIECES;
        int m = s.m();
        int mn = m * s.n();
        float[] partial = grow(SPLIT_K, pieces * mn);
        // each piece sums its own k range; the pieces' sums are added in piece order below
        double[] partSums = rowSums == null ? null : growDoubles(SPLIT_K_SUMS, pieces * m);
        if (partSums != null) {
            java.util.Arrays.fill(partSums, 0, pieces * m, 0.0); // range() adds to them
        }
        GemmSpec plain = new GemmSpec(1, s.m(), s.n(), s.k(), s.transA(), s.transB(), 0, 0, 0, 1.0, false);
        // equal pieces of k (whole KC slices left one part with twice the other's when there were three)
        team.run(pieces, t -> {
            int from = (int) ((long) s.k() * t / pieces) / 64 * 64;
            int to = t == pieces - 1 ? s.k() : (int) ((long) s.k() * (t + 1) / pieces) / 64 * 64;
            if (from < to) {
                range(null, plain, from, to, a, aOff, b, bOff, null, 0, partial, t * mn, partSums, t * m, null);
            } else {
                java.util.Arrays.fill(partial, t * mn, (t + 1) * mn, 0f);
            }
        });
        if (rowSums != null) {
            for (int t = 0; t < pieces; t++) {
                for (int i = 0; i < m; i++) {
                    rowSums[i] += partSums[t * m + i];
                }
            }
        }
        float alpha = (float) s.alpha();
        int n = s.n();
        team.run(parts, t -> {
            int r0 = s.m() * t / parts;
            int r1 = s.m() * (t + 1) / parts;
            for (int r = r0; r < r1; r++) {
                // the pieces' sums, added in piece order into piece 0's buffer, then finished as a row of C
                int row = r * n;
                for (int q = 1; q < pieces; q++) {
                    addInto(partial, q * mn + row, partial, row, n);
                }
                finishRow(partial, row, c, cOff + row, n, alpha, s.accumulate(), bias, biasOff);
            }
        });
    }

    /**
     * Pieces of k per thread in {@link #splitK}. Two, handed out as the threads come for them, so that a thread that
     * starts late or runs slowly leaves a piece to the other; each piece has its own buffer and the pieces are added
     * in piece order, so the result does not depend on which thread took what. Config B's training step (all its
     * weight gradients split k), paired in one JVM against one piece a thread: 135.2 → 132.1 ms median, upper
     * quartile 145.5 → 136.6 (faster in 20 of 30 pairs); config A unchanged (320.2/319.7).
     */
    private static final int SPLIT_PIECES = 2;

    /**
     * The product restricted to k in [kFrom, kTo): C = alpha·op(A)·op(B) over that range (+ C) (+ bias); with
     * rowSums (transposed A only), also rowSums[rowSumsOff + i] += Σ_p op(A)[i][p] over that range. With
     * {@code packed} (all of k only), op(B) is read from it, or packed into it first where it is not ready.
     */
    private static void range(ThreadTeam team, GemmSpec s, int kFrom, int kTo, float[] a, int aOff, float[] b,
                              int bOff, float[] bias, int biasOff, float[] c, int cOff, double[] rowSums,
                              int rowSumsOff, PackedWeights.Entry packed) {
        final int m = s.m();
        final int n = s.n();
        final int k = s.k();
        final int strips = (n + NR - 1) / NR;
        final float alpha = (float) s.alpha();
        if (k == 0) {
            fillEdge(s, bias, biasOff, c, cOff);
            return;
        }
        // the slice's strips at sliceBase + js·kc·NR: a reused buffer per slice, or each slice's place in packed
        final float[] packB = packed != null ? packed.packed : grow(PACK_B, Math.min(KC, k) * strips * NR);
        final boolean packing = packed == null || !packed.ready;
        // op(A) = Aᵀ (weight gradients) is packed: read in place, its k steps are lda apart and the tile's A index
        // would need a variable stride, which keeps C2 from hoisting the bounds checks out of the k loop (1 thread,
        // 1024×256×2048: 105–116 GFLOP/s against 180 for row-major A). Each task packs its own MC-row block into
        // a buffer of its thread's, right before its tiles read it from L2; packed for all of m in a phase of its
        // own, the 4 MB of a slice went out to memory and came back, and took a quarter of config A's
        // weight-gradient products (1024×256×2016 tA, 2 threads: 0.88 of 3.6 ms).
        final boolean packA = s.transA();
        int threads = team == null ? 1 : team.size();
        // a packed A in blocks of fewer rows where m is small, so that there are two blocks for every thread
        final int mcBlock = !packA ? rowBlock() : threads > 1 && m < 2 * threads * MC
                ? Math.max(MR, (m + 2 * threads * MR - 1) / (2 * threads * MR) * MR) : MC;
        final int mBlocks = (m + mcBlock - 1) / mcBlock;
        // enough column ranges that every thread has work even when m is small
        // column chunks of at most NC (so a chunk of packed B and a block of packed A share L2), and enough chunks
        // that every thread has work when m is small
        // (with a packed A, one task per row block where there are two blocks for every thread and n fits one
        // chunk: each chunk packs its block again, but a wider task streamed all of packed B, 4 MB for n = 1024,
        // from L3 per block: 256×1024×2016 tA, 2 threads, interleaved: 3.60/4.23 → 3.50/4.01 ms)
        final int nChunks = packA && mBlocks >= 2 * threads && n <= NC ? 1
                : Math.max((n + NC - 1) / NC, Math.min(strips, (threads * 2 + mBlocks - 1) / mBlocks));
        final int stripsPerChunk = (strips + nChunks - 1) / nChunks;
        final int lda = s.lda();
        for (int pc = kFrom; pc < kTo; pc += KC) {
            final int kc = Math.min(KC, kTo - pc);
            final int p0 = pc;
            final boolean first = pc == kFrom;
            final int sliceBase = packed != null ? pc * strips * NR : 0;
            final int bTasks = Math.min(strips, threads * 4);
            final int bPer = (strips + bTasks - 1) / bTasks;
            ThreadTeam.Body pack = t -> {
                for (int js = t * bPer; js < Math.min(strips, (t + 1) * bPer); js++) {
                    GemmPacking.packB(s, b, bOff, p0, kc, js, packB, sliceBase + js * kc * NR);
                }
            };
            if (packing && team == null) {
                for (int t = 0; t < bTasks; t++) {
                    pack.run(t);
                }
            } else if (packing) {
                team.run(bTasks, pack);
            } // else op(B) as packed by an earlier call
            ThreadTeam.Body block = task -> {
                int ib = task / nChunks;
                int chunk = task % nChunks;
                int i0 = ib * mcBlock;
                int mc = Math.min(mcBlock, m - i0);
                int jsEnd = Math.min(strips, (chunk + 1) * stripsPerChunk);
                if (!packA) {
                    rowMajorTiles(kc, a, aOff + p0, lda, i0, i0 + mc, packB, sliceBase, chunk * stripsPerChunk, jsEnd,
                            n, c, cOff, alpha, first, !first || s.accumulate(), bias, biasOff);
                    return;
                }
                int aStrips = (mc + MR - 1) / MR;
                float[] tile = grow(TILE, MR * NR);
                float[] zeros = grow(ZEROS, NR); // never written: the initial accumulators without a bias
                float[] packedA = grow(PACK_A, aStrips * MR * kc);
                // the row sums once per block, by its first chunk
                GemmPacking.packTransposedA(a, aOff, lda, i0, i0 + mc, p0, kc, packedA, chunk == 0 ? rowSums : null,
                        rowSumsOff);
                for (int js = chunk * stripsPerChunk; js < jsEnd; js++) {
                    int j0 = js * NR;
                    int nr = Math.min(NR, n - j0);
                    for (int is = 0; is < aStrips; is++) {
                        int r0 = i0 + is * MR;
                        int mr = Math.min(MR, m - r0);
                        boolean add = !first || s.accumulate();
                        int ci = cOff + r0 * n + j0;
                        int bi = sliceBase + js * kc * NR;
                        if (mr == MR && nr == NR && alpha == 1f) {
                            float[] init = first && bias != null ? bias : zeros;
                            int io = first && bias != null ? biasOff + j0 : 0;
                            GemmTiles.packedA(kc, packedA, is * MR * kc, packB, bi, init, io, c, ci, n, add);
                        } else {
                            GemmTiles.packedA(kc, packedA, is * MR * kc, packB, bi, zeros, 0, tile, 0, NR, false);
                            GemmTiles.merge(tile, c, ci, n, mr, nr, alpha, add, first ? bias : null, biasOff + j0);
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

    /** Rows of A per block of a row-major product: a multiple of both tiles' rows where the wide tile is on. */
    static int rowBlock() {
        return GemmTiles.WIDE ? MC_WIDE : MC;
    }

    /** {@link #rowBlock} with the wide tile: 12 of its 6-row groups, 9 of the 8-row ones (72·1024 floats = 288 KB). */
    static final int MC_WIDE = 72;

    /**
     * The tiles of C rows [i0, i1) × strips [jsFrom, jsTo) for a row-major A over one k slice (A's row r at
     * a[aBase + r·lda]; strip js of the slice's packed op(B) at bp[stripBase + js·kc·NR]). Two full strips side by
     * side take the wide tile ({@link GemmTiles#rowMajorAWide}) on every whole 6-row group; what is left, the
     * 8×2L tile, edge tiles through a scratch tile and {@link GemmTiles#merge}.
     */
    private static void rowMajorTiles(int kc, float[] a, int aBase, int lda, int i0, int i1, float[] bp, int stripBase,
                                      int jsFrom, int jsTo, int n, float[] c, int cOff, float alpha, boolean first,
                                      boolean add, float[] bias, int biasOff) {
        float[] tile = grow(TILE, MR * NR);
        float[] zeros = grow(ZEROS, 2 * NR); // never written: the initial accumulators without a bias
        boolean withBias = first && bias != null;
        for (int js = jsFrom; js < jsTo; ) {
            int j0 = js * NR;
            int rowsDone = i0;
            int width = 1;
            if (GemmTiles.WIDE && alpha == 1f && js + 1 < jsTo && j0 + 2 * NR <= n) {
                width = 2;
                int bi = stripBase + js * kc * NR;
                for (; rowsDone + GemmTiles.MR_WIDE <= i1; rowsDone += GemmTiles.MR_WIDE) {
                    GemmTiles.rowMajorAWide(kc, a, aBase + rowsDone * lda, lda, bp, bi, bi + kc * NR,
                            withBias ? bias : zeros, withBias ? biasOff + j0 : 0, c, cOff + rowsDone * n + j0, n, add);
                }
            }
            for (int w = js; w < js + width; w++) {
                int jw = w * NR;
                int nr = Math.min(NR, n - jw);
                int bi = stripBase + w * kc * NR;
                for (int r0 = rowsDone; r0 < i1; r0 += MR) {
                    int mr = Math.min(MR, i1 - r0);
                    int ci = cOff + r0 * n + jw;
                    if (mr == MR && nr == NR && alpha == 1f) {
                        GemmTiles.rowMajorA(kc, a, aBase + r0 * lda, lda, mr, bp, bi, withBias ? bias : zeros,
                                withBias ? biasOff + jw : 0, c, ci, n, add);
                    } else {
                        GemmTiles.rowMajorA(kc, a, aBase + r0 * lda, lda, mr, bp, bi, zeros, 0, tile, 0, NR, false);
                        GemmTiles.merge(tile, c, ci, n, mr, nr, alpha, add, first ? bias : null, biasOff + jw);
                    }
                }
            }
            js += width;
        }
    }

    /** {@link #ownedColumns} for wide products; {@code -Dtarflow.cpu.gemmOwnedColumns=false} turns it off. */
    static final boolean OWNED = !"false".equalsIgnoreCase(System.getProperty("tarflow.cpu.gemmOwnedColumns"));

    /**
     * Whether a thread of the owned paths ({@link #ownedColumns}, {@link #ownedRowsTransposedA}) takes the units
     * the other threads have left once its own are done; {@code -Dtarflow.cpu.gemmTakeUnits=false} keeps the static
     * split, for comparison. Results are the same either way: each element of C is summed by one unit, in one order.
     */
    static final boolean TAKE_UNITS = !"false".equalsIgnoreCase(System.getProperty("tarflow.cpu.gemmTakeUnits"));

    /**
     * C = alpha·A·op(B) (+ C) (+ bias) with each thread owning a fixed range of C's columns: it packs those columns
     * of op(B) itself, slice by slice, and computes them for every row, in chunks of NC columns. Handed out
     * dynamically, a task read the B strips that the other thread had packed from the other core's cache, at half
     * the speed of its own on these machines (40 against 85 GB/s). Only for n of 8 strips per thread or more.
     * 2 threads, cold buffers, interleaved against the dynamic path: 2016×1024×256 tB 310 → 345 GFLOP/s,
     * 2016×1024×256 (config A's MLP input gradient) 319 → 351, 12544×512×128 tB 350 → 367, 4096×4096×256 tB
     * 314 → 373; n = 768 unchanged, and n = 128 (4 strips a thread) lost 11%.
     *
     * <p>A thread that is done with its own columns takes the (NC columns, MC rows) units of the others that are
     * left, reading their packed strips ({@link OwnedUnits}): with a static split the threads sat idle for 6–11% of
     * these products' span, one waiting for the other (which started late or ran on a slowed core).
     */
    private static void ownedColumns(ThreadTeam team, GemmSpec s, float[] a, int aOff, float[] b, int bOff,
                                     float[] bias, int biasOff, float[] c, int cOff, PackedWeights.Entry packed) {
        final int m = s.m();
        final int n = s.n();
        final int k = s.k();
        final int strips = (n + NR - 1) / NR;
        final float alpha = (float) s.alpha();
        final int lda = s.lda();
        final int parts = team.size();
        final int stripsPerChunk = NC / NR;
        final int mc0 = rowBlock();
        final int mBlocks = (m + mc0 - 1) / mc0;
        // owner t's strips [firstStrip[t], firstStrip[t + 1]); its units: (chunk of NC columns, block of mc0 rows)
        // pairs, chunk-major
        final int[] firstStrip = evenBounds(strips, parts);
        final int[] units = new int[parts];
        for (int t = 0; t < parts; t++) {
            units[t] = (firstStrip[t + 1] - firstStrip[t] + stripsPerChunk - 1) / stripsPerChunk * mBlocks;
        }
        final boolean packing = packed == null || !packed.ready;
        for (int pc = 0; pc < k; pc += KC) {
            final int kc = Math.min(KC, k - pc);
            final int p0 = pc;
            final boolean first = pc == 0;
            final boolean add = !first || s.accumulate();
            // each owner's strips js of this slice at bases[t] + js·kc·NR: in its thread's own buffer, or at their
            // place in packed (each owner packs the strips it owns, as without a cache)
            final float[][] packs = new float[parts][];
            final int[] bases = new int[parts];
            final OwnedUnits work = new OwnedUnits(units, true, TAKE_UNITS);
            OwnedUnits.Body unit = (v, u) -> {
                int cs = firstStrip[v] + u / mBlocks * stripsPerChunk;
                int ce = Math.min(firstStrip[v + 1], cs + stripsPerChunk);
                int i0 = u % mBlocks * mc0;
                int mc = Math.min(mc0, m - i0);
                rowMajorTiles(kc, a, aOff + p0, lda, i0, i0 + mc, packs[v], bases[v], cs, ce, n, c, cOff, alpha, first,
                        add, bias, biasOff);
            };
            // one team run per k slice: a taken unit of a later slice must find the earlier slice's sums in C
            team.run(parts, t -> {
                int s0 = firstStrip[t];
                int s1 = firstStrip[t + 1];
                work.prepare(t, () -> {
                    packs[t] = packed != null ? packed.packed : grow(PACK_B_OWN, Math.min(KC, k) * (s1 - s0) * NR);
                    bases[t] = packed != null ? p0 * strips * NR : -s0 * kc * NR;
                    if (packing) {
                        for (int js = s0; js < s1; js++) {
                            GemmPacking.packB(s, b, bOff, p0, kc, js, packs[t], bases[t] + js * kc * NR);
                        }
                    }
                });
                work.drain(t, unit);
            });
        }
    }

    /** Bounds of {@code parts} near-equal ranges of [0, total): range t is [b[t], b[t + 1]). */
    private static int[] evenBounds(int total, int parts) {
        int[] b = new int[parts + 1];
        for (int t = 0; t <= parts; t++) {
            b[t] = (int) ((long) total * t / parts);
        }
        return b;
    }

    /**
     * {@link #weightGradient}'s product with each thread owning a range of MC-row blocks: it packs all of op(B)
     * per slice itself (a plain copy of rows, cheap next to the product) and each of its blocks of Aᵀ, so that no
     * tile reads what the other core packed (see {@link #ownedColumns}). Taken where there are two blocks a thread.
     * A thread done with its own blocks takes those the others have left, from its own packed B.
     * 2 threads, cold buffers, interleaved against dynamic tasks over a shared packed B: config A's weight
     * gradients 1024×256×2016 349/351 → 363/371 GFLOP/s, 768×256×2016 340 → 369, 256×1024×2016 299 → 313.
     */
    private static void ownedRowsTransposedA(ThreadTeam team, GemmSpec s, float[] a, int aOff, float[] b, int bOff,
                                             float[] c, int cOff, double[] rowSums) {
        final int m = s.m();
        final int n = s.n();
        final int k = s.k();
        final int strips = (n + NR - 1) / NR;
        final int lda = s.lda();
        final int parts = team.size();
        final int mBlocks = (m + MC - 1) / MC;
        // owner t's row blocks [firstBlock[t], firstBlock[t + 1])
        final int[] firstBlock = evenBounds(mBlocks, parts);
        final int[] units = new int[parts];
        for (int t = 0; t < parts; t++) {
            units[t] = firstBlock[t + 1] - firstBlock[t];
        }
        for (int pc = 0; pc < k; pc += KC) {
            final int kc = Math.min(KC, k - pc);
            final int p0 = pc;
            final boolean add = pc > 0;
            // a taken block is computed from the taker's own packed B: nothing to wait for
            final OwnedUnits work = new OwnedUnits(units, false, TAKE_UNITS);
            // one team run per k slice: a block taken in a later slice must find the earlier slice's sums in C
            team.run(parts, t -> {
                if (!work.anyLeft()) {
                    return; // a thread that came late finds every block taken: no need to pack B
                }
                float[] packB = grow(PACK_B_OWN, Math.min(KC, k) * strips * NR);
                for (int js = 0; js < strips; js++) {
                    GemmPacking.packB(s, b, bOff, p0, kc, js, packB);
                }
                work.drain(t, (v, u) -> {
                    float[] packedA = grow(PACK_A, MC * Math.min(KC, k));
                    float[] tile = grow(TILE, MR * NR);
                    float[] zeros = grow(ZEROS, NR);
                    int i0 = (firstBlock[v] + u) * MC;
                    int mc = Math.min(MC, m - i0);
                    GemmPacking.packTransposedA(a, aOff, lda, i0, i0 + mc, p0, kc, packedA, rowSums, 0);
                    for (int js = 0; js < strips; js++) {
                        int j0 = js * NR;
                        int nr = Math.min(NR, n - j0);
                        int bi = js * kc * NR;
                        for (int is = 0; is * MR < mc; is++) {
                            int r0 = i0 + is * MR;
                            int mr = Math.min(MR, m - r0);
                            int ci = cOff + r0 * n + j0;
                            if (mr == MR && nr == NR) {
                                GemmTiles.packedA(kc, packedA, is * MR * kc, packB, bi, zeros, 0, c, ci, n, add);
                            } else {
                                GemmTiles.packedA(kc, packedA, is * MR * kc, packB, bi, zeros, 0, tile, 0, NR, false);
                                GemmTiles.merge(tile, c, ci, n, mr, nr, 1f, add, null, 0);
                            }
                        }
                    }
                });
            });
        }
    }

    /**
     * {@link #weightGradient} where op(B) is at least twice as wide as op(A) is tall (the second MLP product's
     * weight gradient, 256×1024): Cᵀ = op(B)ᵀ·op(A)ᵀ is computed instead, whose rows are the wide side, so that each
     * thread owns row blocks of it and packs only the narrow operand whole ({@link #ownedRowsTransposedA}); as it is,
     * each thread packed and streamed a 4 MB op(B) per slice. Cᵀ is then transposed into C, and the row sums of
     * op(A) are summed apart (they are the sums of the narrow operand, which the swapped product packs as op(B)).
     * 2 threads, cold buffers, interleaved: 256×1024×2016 tA 3.63/3.52 → 3.20/3.08 ms, 96×1024×2016 1.92 → 1.42.
     * With team null, on the calling thread alone, Cᵀ by {@link #range}, which then likewise packs the narrow operand:
     * one thread, 256×1024×2016: 8.05 → 7.65 ms. Either way the same bits as the direct product (each element summed
     * in the same k order).
     */
    private static void transposedWeightGradient(ThreadTeam team, GemmSpec s, float[] a, int aOff, float[] b,
                                                 int bOff, float[] c, int cOff, double[] rowSums) {
        final int m = s.m();
        final int n = s.n();
        final int k = s.k();
        float[] ct = grow(TRANSPOSED_C, n * m);
        GemmSpec swapped = GemmSpec.of(n, m, k, true, false);
        if (team == null) {
            range(null, swapped, 0, k, b, bOff, a, aOff, null, 0, ct, 0, null, 0, null);
        } else {
            ownedRowsTransposedA(team, swapped, b, bOff, a, aOff, ct, 0, null);
        }
        final int parts = team == null ? 1 : team.size();
        ThreadTeam.Body finish = t -> {
            // C rows [i0, i1) from columns [i0, i1) of Cᵀ [n, m]
            int i0 = (int) ((long) m * t / parts);
            int i1 = (int) ((long) m * (t + 1) / parts);
            GemmPacking.transposeInto(ct, m, n, i0, i1, c, cOff);
            if (rowSums != null) {
                GemmPacking.columnSums(a, aOff, m, k, i0, i1, rowSums);
            }
        };
        if (team == null) {
            finish.run(0);
        } else {
            team.run(parts, finish);
        }
    }

    private static final ThreadLocal<float[][]> TRANSPOSED_C = ThreadLocal.withInitial(() -> new float[1][0]);

    private static final ThreadLocal<float[][]> PACK_B_OWN = ThreadLocal.withInitial(() -> new float[1][0]);

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
