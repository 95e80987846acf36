package org.tarflow.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.tarflow.tensor.GemmSpec;

/**
 * How {@link Gemm} lays its operands out for the micro-kernels of {@link GemmTiles}: op(B) into NR-wide k-major
 * column strips, a transposed A into MR-row k-major strips (with the row sums a weight gradient's bias needs), and
 * the transposes and column sums of the paths that compute a product transposed. Each has its scalar meaning in
 * its comment; {@link Gemm#scalar} is the oracle of the products built on them.
 */
final class GemmPacking {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;
    private static final int MR = GemmTiles.MR;
    private static final int NR = GemmTiles.NR;

    private GemmPacking() {
    }

    /** Lanes [0, L/2) and [L/2, L): with L = 2·MR, one k step of each of two MR-row strips. */
    private static final VectorMask<Float> LOWER_HALF = VectorMask.fromLong(F, (1L << (L / 2)) - 1);
    private static final VectorMask<Float> UPPER_HALF = LOWER_HALF.not();

    /** Steps per float partial of a row sum before it is carried into double. */
    static final int SUM_BLOCK = 64;

    private static final ThreadLocal<float[][]> SUM_LANES = ThreadLocal.withInitial(() -> new float[1][0]);


    /**
     * c[cOff + i·rows + j] = src[j·ld + i] for j < rows, i in [iFrom, iTo): 16×16 register blocks where whole, scalar
     * at the edges.
     */
    static void transposeInto(float[] src, int ld, int rows, int iFrom, int iTo, float[] c, int cOff) {
        int i = iFrom;
        int fullRows = 0;
        if (BlockTranspose.inRegisters()) {
            fullRows = rows / L * L;
            float[] scratch = BlockTranspose.scratch();
            for (; i + L <= iTo; i += L) {
                for (int j = 0; j < fullRows; j += L) {
                    BlockTranspose.block(src, j * ld + i, ld, c, cOff + i * rows + j, rows, scratch);
                }
            }
            // rows past fullRows for the whole column blocks
            BlockTranspose.scalar(src, fullRows * ld + iFrom, ld, rows - fullRows, i - iFrom, c,
                    cOff + iFrom * rows + fullRows, rows);
        }
        // the columns past the whole blocks, every row
        BlockTranspose.scalar(src, i, ld, rows, iTo - i, c, cOff + i * rows, rows);
    }

    /**
     * sums[i] = Σ_p a[aOff + p·ld + i] for i in [i0, i1), p < k: float partials over runs of {@link #SUM_BLOCK} rows,
     * carried into double in p order (the summation of {@link #packTransposedA}).
     */
    static void columnSums(float[] a, int aOff, int ld, int k, int i0, int i1, double[] sums) {
        float[] part = Gemm.grow(SUM_LANES, Math.max(L, i1 - i0 + L));
        for (int pa = 0; pa < k; pa += SUM_BLOCK) {
            int pb = Math.min(k, pa + SUM_BLOCK);
            java.util.Arrays.fill(part, 0, i1 - i0, 0f);
            for (int p = pa; p < pb; p++) {
                int row = aOff + p * ld;
                int i = i0;
                for (int bound = i0 + F.loopBound(i1 - i0); i < bound; i += L) {
                    FloatVector.fromArray(F, part, i - i0).add(FloatVector.fromArray(F, a, row + i))
                            .intoArray(part, i - i0);
                }
                for (; i < i1; i++) {
                    part[i - i0] += a[row + i];
                }
            }
            for (int i = i0; i < i1; i++) {
                sums[i] += part[i - i0];
            }
        }
    }

    /**
     * Packs rows [i0, i1) of op(A) = Aᵀ over depths [p0, p0 + kc) into MR-row strips from dst[0], k-major
     * ([strips][kc][MR], the last strip zero-padded): depth p of op(A) is row p0 + p of the stored A, whose MR
     * values per strip are contiguous. With {@code rowSums}, also rowSums[off + i] += Σ_p op(A)[i][p] for the rows
     * i: float partials over runs of {@link #SUM_BLOCK} depths, carried into double in p order.
     *
     * <p>A group of {@link #PACK_GROUP} strips (64 floats of each stored row, four cache lines) at a time, one run of
     * depths after the other, each step two vector loads per strip pair and masked half stores.
     */
    static void packTransposedA(float[] a, int aOff, int lda, int i0, int i1, int p0, int kc, float[] dst,
                                        double[] rowSums, int off) {
        float[] lanes = rowSums == null ? null : Gemm.grow(SUM_LANES, Math.max(L, PACK_GROUP * MR));
        int g = i0;
        if (L == 2 * MR) {
            // a vector of a row is one depth of two strips: masked half stores (rather than a 256-bit species,
            // which would give the process a second vector shape and the Vector API's call sites two types)
            for (; g + PACK_GROUP * MR <= i1; g += PACK_GROUP * MR) {
                int d0 = (g - i0) * kc;
                int d1 = d0 + MR * kc - MR; // the upper half's lanes start MR floats in
                int d2 = d1 + MR * kc + MR;
                int d3 = d2 + MR * kc - MR;
                int d4 = d3 + MR * kc + MR;
                int d5 = d4 + MR * kc - MR;
                int d6 = d5 + MR * kc + MR;
                int d7 = d6 + MR * kc - MR;
                for (int pa = 0; pa < kc; pa += SUM_BLOCK) {
                    int pb = Math.min(kc, pa + SUM_BLOCK);
                    FloatVector s0 = FloatVector.zero(F);
                    FloatVector s1 = FloatVector.zero(F);
                    FloatVector s2 = FloatVector.zero(F);
                    FloatVector s3 = FloatVector.zero(F);
                    for (int p = pa; p < pb; p++) {
                        int from = aOff + (p0 + p) * lda + g;
                        int to = p * MR;
                        FloatVector v0 = FloatVector.fromArray(F, a, from);
                        FloatVector v1 = FloatVector.fromArray(F, a, from + L);
                        FloatVector v2 = FloatVector.fromArray(F, a, from + 2 * L);
                        FloatVector v3 = FloatVector.fromArray(F, a, from + 3 * L);
                        v0.intoArray(dst, d0 + to, LOWER_HALF);
                        v0.intoArray(dst, d1 + to, UPPER_HALF);
                        v1.intoArray(dst, d2 + to, LOWER_HALF);
                        v1.intoArray(dst, d3 + to, UPPER_HALF);
                        v2.intoArray(dst, d4 + to, LOWER_HALF);
                        v2.intoArray(dst, d5 + to, UPPER_HALF);
                        v3.intoArray(dst, d6 + to, LOWER_HALF);
                        v3.intoArray(dst, d7 + to, UPPER_HALF);
                        s0 = s0.add(v0);
                        s1 = s1.add(v1);
                        s2 = s2.add(v2);
                        s3 = s3.add(v3);
                    }
                    if (rowSums != null) {
                        s0.intoArray(lanes, 0);
                        s1.intoArray(lanes, L);
                        s2.intoArray(lanes, 2 * L);
                        s3.intoArray(lanes, 3 * L);
                        for (int r = 0; r < PACK_GROUP * MR; r++) {
                            rowSums[off + g + r] += lanes[r];
                        }
                    }
                }
            }
        }
        if (L == 2 * MR) {
            // the rest two strips at a time
            for (; g + 2 * MR <= i1; g += 2 * MR) {
                int d0 = (g - i0) * kc;
                int d1 = d0 + MR * kc - MR;
                for (int pa = 0; pa < kc; pa += SUM_BLOCK) {
                    int pb = Math.min(kc, pa + SUM_BLOCK);
                    FloatVector s0 = FloatVector.zero(F);
                    for (int p = pa; p < pb; p++) {
                        FloatVector v0 = FloatVector.fromArray(F, a, aOff + (p0 + p) * lda + g);
                        v0.intoArray(dst, d0 + p * MR, LOWER_HALF);
                        v0.intoArray(dst, d1 + p * MR, UPPER_HALF);
                        s0 = s0.add(v0);
                    }
                    if (rowSums != null) {
                        s0.intoArray(lanes, 0);
                        for (int r = 0; r < 2 * MR; r++) {
                            rowSums[off + g + r] += lanes[r];
                        }
                    }
                }
            }
        }
        int end = i0 + (i1 - i0 + MR - 1) / MR * MR;
        for (; g < end; g += MR) {
            int d = (g - i0) * kc;
            for (int r = 0; r < MR; r++) {
                int i = g + r;
                for (int pa = 0; pa < kc; pa += SUM_BLOCK) {
                    float sum = 0f;
                    for (int p = pa; p < Math.min(kc, pa + SUM_BLOCK); p++) {
                        float x = i < i1 ? a[aOff + (p0 + p) * lda + i] : 0f;
                        dst[d + p * MR + r] = x;
                        sum += x;
                    }
                    if (rowSums != null && i < i1) {
                        rowSums[off + i] += sum;
                    }
                }
            }
        }
    }

    /** Strips per group in {@link #packTransposedA}: eight, 64 floats of each row (four cache lines). */
    static final int PACK_GROUP = 8;

    /** Packs columns [js·NR, js·NR + NR) of op(B), rows [p0, p0 + kc), k-major, zero-padded on the right. */
    static void packB(GemmSpec s, float[] b, int bOff, int p0, int kc, int js, float[] dst) {
        packB(s, b, bOff, p0, kc, js, dst, js * kc * NR);
    }

    /** {@link #packB(GemmSpec, float[], int, int, int, int, float[])} into dst from {@code d}. */
    static void packB(GemmSpec s, float[] b, int bOff, int p0, int kc, int js, float[] dst, int d) {
        int n = s.n();
        int j0 = js * NR;
        int nr = Math.min(NR, n - j0);
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
        } else if (nr == NR && BlockTranspose.inRegisters()) {
            // B is [n, k]: column j of op(B) is row j of B. A full strip is transposed in L×L register blocks (its
            // first L rows into lanes [0, L) of each k step, the next L into [L, 2L)); a scalar transpose cost a
            // quarter of a forward-pass GEMM, gathers still 4–5%
            int src = bOff + j0 * ldb + p0;
            int full = kc - kc % L;
            float[] scratch = BlockTranspose.scratch();
            for (int p = 0; p < full; p += L) {
                BlockTranspose.block(b, src + p, ldb, dst, d + p * NR, NR, scratch);
                BlockTranspose.block(b, src + L * ldb + p, ldb, dst, d + p * NR + L, NR, scratch);
            }
            BlockTranspose.scalar(b, src + full, ldb, NR, kc - full, dst, d + full * NR, NR);
        } else if (nr == NR) {
            // the same by gathers (one k step of 2L rows at a time) for other vector widths
            int[] rows = Simd.rowOffsets(ldb);
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
}
