package org.tarflow.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.tarflow.tensor.AttentionSpec;

/**
 * Attention for one (batch, head) pair as register-tiled small matrix products, for head sizes that are a multiple of
 * four vectors (64 with 512-bit vectors). Two micro-kernels do all the arithmetic, each on a 4-row × 4-vector tile of
 * 16 accumulators:
 * <ul>
 *   <li>{@link #rowsTimesTransposed}: Sᵀ = α·K·Qᵀ from rows of K and a transposed, padded copy of Q (scores, and
 *   dPᵀ = V·dOᵀ);</li>
 *   <li>{@link #weightsTimesRows}: O = α·P·Z or α·Pᵀ·Z from a weight matrix and rows of Z (outputs, dQ, dK, dV).</li>
 * </ul>
 * Scores are held transposed, a row per key with queries along the lanes, so that everything per query (softmax max
 * and sum, lse, D) is lane-wise. Causality is handled by skipping tiles below the diagonal and by zeros in P past
 * it. The general path in {@link AttentionKernels} covers other head sizes and is the oracle in the tests.
 */
final class AttentionTiles {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.L;
    /** Columns per tile: four vectors. */
    static final int TILE_COLS = 4 * L;

    /** Per-thread scratch: Qᵀ, dOᵀ [d × tp]; Pᵀ, dPᵀ [T × tp]; two per-query rows [tp]. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[6][0]);

    private AttentionTiles() {
    }

    static boolean supports(AttentionSpec s) {
        return s.headDim() % TILE_COLS == 0;
    }

    private static float[][] scratch(int transposed, int square, int row) {
        float[][] s = SCRATCH.get();
        if (s[0].length < transposed) {
            s[0] = new float[transposed];
            s[1] = new float[transposed];
        }
        if (s[2].length < square) {
            s[2] = new float[square];
            s[3] = new float[square];
        }
        if (s[4].length < row) {
            s[4] = new float[row];
            s[5] = new float[row];
        }
        return s;
    }

    /** T rounded up to whole tiles. */
    static int padded(int t) {
        return (t + TILE_COLS - 1) / TILE_COLS * TILE_COLS;
    }

    /**
     * dst[e·tp + j] = src[base + j·stride + e], zero for j ≥ t. Groups of L rows go through L×L block transposes
     * (the last, partial group with zero rows: one by one it cost as much as all the full groups for T = 63), or,
     * where vectors are not 16 wide, gathers of L rows at once and the last rows one by one.
     */
    private static void transpose(float[] src, int base, int stride, int t, int d, float[] dst, int tp) {
        int full = t / L * L;
        int done;
        if (BlockTranspose.inRegisters()) {
            float[] scratch = BlockTranspose.scratch();
            for (int j0 = 0; j0 < full; j0 += L) {
                for (int e0 = 0; e0 < d; e0 += L) {
                    BlockTranspose.block(src, base + j0 * stride + e0, stride, dst, e0 * tp + j0, tp, scratch);
                }
            }
            if (full < t) {
                for (int e0 = 0; e0 < d; e0 += L) {
                    BlockTranspose.partialBlock(src, base + full * stride + e0, stride, t - full, dst, e0 * tp + full,
                            tp, scratch);
                }
            }
            done = (t + L - 1) / L * L;
        } else {
            int[] rows = Simd.rowOffsets(stride);
            for (int e = 0; e < d; e++) {
                for (int j = 0; j < full; j += L) {
                    FloatVector.fromArray(F, src, base + j * stride + e, rows, 0).intoArray(dst, e * tp + j);
                }
            }
            BlockTranspose.scalar(src, base + full * stride, stride, t - full, d, dst, full, tp);
            done = t;
        }
        for (int e = 0; e < d; e++) {
            java.util.Arrays.fill(dst, e * tp + done, e * tp + tp, 0f);
        }
    }

    //   forward, per (b, h):  Sᵀ = scale·K·Qᵀ (causal tiles only) → P = softmax over keys, lse → O = P·V
    //   The scores are held transposed (a row per key, queries along the lanes) so that the softmax's max and sum
    //   over keys are lane-wise vector operations; row-major scores needed two horizontal reductions per query,
    //   and the softmax then cost more than both products together.
    static void forward(AttentionSpec sp, int b, int h, float[] qkv, int qo, float[] out, int oo, float[] lse, int lo) {
        int t = sp.tokens();
        int d = sp.headDim();
        int c = sp.width();
        int c3 = 3 * c;
        int tp = padded(t);
        float[][] sc = scratch(d * tp, t * tp, tp);
        float[] qt = sc[0];
        float[] st = sc[2];
        int base = qo + b * t * c3 + h * d;
        transpose(qkv, base, c3, t, d, qt, tp);
        float scale = (float) sp.scale();
        for (int j0 = 0; j0 < t; j0 += 4) {
            int rows = Math.min(4, t - j0);
            // causal: key j only meets queries i ≥ j
            int iStart = sp.causal() ? j0 / TILE_COLS * TILE_COLS : 0;
            for (int i0 = iStart; i0 < tp; i0 += TILE_COLS) {
                boolean half = i0 == iStart && halfTile(sp, j0);
                scoreTile(half, qkv, base + c + j0 * c3, c3, rows, qt, tp, d, i0, scale, st, j0 * tp, tp);
            }
        }
        softmaxColumns(st, t, tp, sp.causal(), lse, lo + (b * sp.heads() + h) * t, sc[4]);
        int orow = oo + b * t * c + h * d;
        for (int i0 = 0; i0 < t; i0 += 4) {
            int rows = Math.min(4, t - i0);
            int kEnd = sp.causal() ? i0 + rows : t;
            for (int e0 = 0; e0 < d; e0 += TILE_COLS) {
                // P[i][j] = st[j·tp + i]
                weightsTimesRows(st, i0, 1, tp, rows, 0, kEnd, qkv, base + 2 * c + e0, c3, 1f, out,
                        orow + i0 * c + e0, c);
            }
        }
    }

    private static final FloatVector IOTA = FloatVector.fromArray(F, iota(), 0);

    private static float[] iota() {
        float[] v = new float[L];
        for (int i = 0; i < L; i++) {
            v[i] = i;
        }
        return v;
    }

    /** s with −∞ in the lanes below {@code first}: in key row j of the query vector from i0, first = j − i0. */
    private static FloatVector hideEarlierQueries(FloatVector s, int first) {
        return FloatVector.broadcast(F, Float.NEGATIVE_INFINITY).blend(s, IOTA.compare(VectorOperators.GE, first));
    }

    /**
     * In place on transposed scores st[j·tp + i] (key j < t, query i < tp): each column i becomes its softmax over
     * the keys it sees (j ≤ i when causal, else j < t), and exactly 0 at the keys it does not see within its
     * vector's diagonal block (the rows the P·V tiles read); lse[lseRow + i] = log Σ_j exp(s_ij) for i < t. Keys
     * are summed in order, one lane per query, so the result does not depend on JIT or interpreter. {@code lanes}
     * is scratch of at least 2L floats.
     */
    private static void softmaxColumns(float[] st, int t, int tp, boolean causal, float[] lse, int lseRow,
                                       float[] lanes) {
        for (int i0 = 0; i0 < t; i0 += L) {
            int jEnd = causal ? Math.min(t, i0 + L) : t;
            int jDiag = causal ? i0 : t; // from here on, lane i sees key j only if i ≥ j
            FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int j = 0; j < jEnd; j++) {
                FloatVector s = FloatVector.fromArray(F, st, j * tp + i0);
                if (j >= jDiag) {
                    s = hideEarlierQueries(s, j - i0);
                    s.intoArray(st, j * tp + i0);
                }
                max = max.max(s);
            }
            FloatVector sum = FloatVector.zero(F);
            for (int j = 0; j < jEnd; j++) {
                FloatVector e = VecMath.expNonPositive(FloatVector.fromArray(F, st, j * tp + i0).sub(max));
                e.intoArray(st, j * tp + i0);
                sum = sum.add(e);
            }
            FloatVector inv = FloatVector.broadcast(F, 1f).div(sum);
            for (int j = 0; j < jEnd; j++) {
                FloatVector.fromArray(F, st, j * tp + i0).mul(inv).intoArray(st, j * tp + i0);
            }
            max.intoArray(lanes, 0);
            sum.intoArray(lanes, L);
            for (int i = i0; i < Math.min(t, i0 + L); i++) {
                lse[lseRow + i] = lanes[i - i0] + (float) Math.log(lanes[L + i - i0]);
            }
        }
    }

    //   backward, per (b, h), in the forward's transposed layout (a row per key, queries along the lanes):
    //   Pᵀ = exp(scale·K·Qᵀ − lse)   dPᵀ = V·dOᵀ   D_i = Σ_j P_ij·dP_ij (= dO_i·O_i)   dSᵀ = Pᵀ∘(dPᵀ − D)
    //   dQ = scale·dS·K     dK = scale·dSᵀ·Q     dV = Pᵀ·dO
    //   (the output itself is not read)
    static void backward(AttentionSpec sp, int b, int h, float[] qkv, int qo, float[] out, int oo, float[] lse, int lo,
                         float[] gOut, int go, float[] gQkv, int gq) {
        int t = sp.tokens();
        int d = sp.headDim();
        int c = sp.width();
        int c3 = 3 * c;
        int tp = padded(t);
        float[][] sc = scratch(d * tp, t * tp, tp);
        float[] qt = sc[0];
        float[] dot = sc[1];
        float[] pt = sc[2];
        float[] dpt = sc[3];
        float[] lseRow = sc[4];
        int base = qo + b * t * c3 + h * d;
        int gbase = gq + b * t * c3 + h * d;
        int dobase = go + b * t * c + h * d;
        transpose(qkv, base, c3, t, d, qt, tp);
        transpose(gOut, dobase, c, t, d, dot, tp);
        float scale = (float) sp.scale();
        for (int j0 = 0; j0 < t; j0 += 4) {
            int rows = Math.min(4, t - j0);
            int iStart = sp.causal() ? j0 / TILE_COLS * TILE_COLS : 0;
            for (int i0 = iStart; i0 < tp; i0 += TILE_COLS) {
                boolean half = i0 == iStart && halfTile(sp, j0);
                scoreTile(half, qkv, base + c + j0 * c3, c3, rows, qt, tp, d, i0, scale, pt, j0 * tp, tp);
                scoreTile(half, qkv, base + 2 * c + j0 * c3, c3, rows, dot, tp, d, i0, 1f, dpt, j0 * tp, tp);
            }
        }
        // padding queries get lse = +∞: their probabilities come out exactly 0
        System.arraycopy(lse, lo + (b * sp.heads() + h) * t, lseRow, 0, t);
        java.util.Arrays.fill(lseRow, t, tp, Float.POSITIVE_INFINITY);
        probabilitiesAndScoreGradients(pt, dpt, t, tp, sp.causal(), lseRow);
        for (int r0 = 0; r0 < t; r0 += 4) {
            int rows = Math.min(4, t - r0);
            int jEnd = sp.causal() ? r0 + rows : t; // query i only receives from keys j ≤ i
            int iStart = sp.causal() ? r0 : 0; // key j only receives from queries i ≥ j
            for (int e0 = 0; e0 < d; e0 += TILE_COLS) {
                // dQ rows i = r0.. : Σ_j dS[i][j]·K[j] = Σ_j dSᵀ[j][i]·K[j]
                weightsTimesRows(dpt, r0, 1, tp, rows, 0, jEnd, qkv, base + c + e0, c3, scale, gQkv,
                        gbase + r0 * c3 + e0, c3);
                // dK rows j = r0.. : Σ_i dSᵀ[j][i]·Q[i]
                weightsTimesRows(dpt, r0 * tp, tp, 1, rows, iStart, t, qkv, base + e0, c3, scale, gQkv,
                        gbase + c + r0 * c3 + e0, c3);
                // dV rows j = r0.. : Σ_i Pᵀ[j][i]·dO[i]
                weightsTimesRows(pt, r0 * tp, tp, 1, rows, iStart, t, gOut, dobase + e0, c, 1f, gQkv,
                        gbase + 2 * c + r0 * c3 + e0, c3);
            }
        }
    }

    /**
     * In place on the transposed scores and score gradients of the backward pass: pt[j·tp + i] ← p = exp(pt − lse_i)
     * (0 where query i does not see key j, within each vector's diagonal block), then dpt[j·tp + i] ← p·(dpt − D_i)
     * with D_i = Σ_j p·dpt, which equals dO_i·O_i (O_i = Σ_j p·V_j) and is summed here lane-wise over the rows just
     * computed; as 63 row dot products with a horizontal sum each it cost twice the whole of this pass. The rows
     * evaluated are those the gradient tiles read (keys j below the end of the query vector's block).
     */
    private static void probabilitiesAndScoreGradients(float[] pt, float[] dpt, int t, int tp, boolean causal,
                                                       float[] lseRow) {
        for (int i0 = 0; i0 < t; i0 += L) {
            int jEnd = causal ? Math.min(t, i0 + L) : t;
            int jDiag = causal ? i0 : t;
            FloatVector lv = FloatVector.fromArray(F, lseRow, i0);
            FloatVector dv = FloatVector.zero(F);
            for (int j = 0; j < jEnd; j++) {
                int o = j * tp + i0;
                FloatVector s = FloatVector.fromArray(F, pt, o);
                if (j >= jDiag) {
                    s = hideEarlierQueries(s, j - i0);
                }
                FloatVector p = VecMath.expNonPositive(s.sub(lv));
                p.intoArray(pt, o);
                dv = p.fma(FloatVector.fromArray(F, dpt, o), dv);
            }
            for (int j = 0; j < jEnd; j++) {
                int o = j * tp + i0;
                FloatVector p = FloatVector.fromArray(F, pt, o);
                p.mul(FloatVector.fromArray(F, dpt, o).sub(dv)).intoArray(dpt, o);
            }
        }
    }

    /**
     * Whether key rows j0.. of the diagonal tile need only its last two query vectors: with causal attention they
     * meet queries i ≥ j0 alone, so the score tiles skip the vectors wholly before j0 (a quarter of the score
     * products for 64 tokens; the softmax and the products that follow read no further than that). Config A's
     * attention (32×4 heads, 63 tokens, d = 64), 2 threads, alternated in one JVM: forward 0.686 → 0.634 ms,
     * backward 1.276 → 1.195 ms.
     */
    private static boolean halfTile(AttentionSpec sp, int j0) {
        return sp.causal() && j0 % TILE_COLS >= 2 * L;
    }

    /** One score tile from column i0: all four vectors, or only the last two where {@code half} ({@link #halfTile}). */
    private static void scoreTile(boolean half, float[] x, int xBase, int xStride, int rows, float[] yt, int tp, int d,
                                  int i0, float alpha, float[] s, int sBase, int sStride) {
        if (half) {
            rowsTimesTransposedHalf(x, xBase, xStride, rows, yt, tp, d, i0 + 2 * L, alpha, s, sBase, sStride);
        } else {
            rowsTimesTransposed(x, xBase, xStride, rows, yt, tp, d, i0, alpha, s, sBase, sStride);
        }
    }

    /** {@link #rowsTimesTransposed} for the two vectors of columns from j0 (8 accumulators). */
    static void rowsTimesTransposedHalf(float[] x, int xBase, int xStride, int rows, float[] yt, int tp, int d, int j0,
                                        float alpha, float[] s, int sBase, int sStride) {
        int x0 = xBase;
        int x1 = xBase + Math.min(1, rows - 1) * xStride;
        int x2 = xBase + Math.min(2, rows - 1) * xStride;
        int x3 = xBase + Math.min(3, rows - 1) * xStride;
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F);
        FloatVector a11 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F);
        FloatVector a21 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F);
        FloatVector a31 = FloatVector.zero(F);
        for (int e = 0; e < d; e++) {
            int y = e * tp + j0;
            FloatVector y0 = FloatVector.fromArray(F, yt, y);
            FloatVector y1 = FloatVector.fromArray(F, yt, y + L);
            FloatVector v = FloatVector.broadcast(F, x[x0 + e]);
            a00 = v.fma(y0, a00);
            a01 = v.fma(y1, a01);
            v = FloatVector.broadcast(F, x[x1 + e]);
            a10 = v.fma(y0, a10);
            a11 = v.fma(y1, a11);
            v = FloatVector.broadcast(F, x[x2 + e]);
            a20 = v.fma(y0, a20);
            a21 = v.fma(y1, a21);
            v = FloatVector.broadcast(F, x[x3 + e]);
            a30 = v.fma(y0, a30);
            a31 = v.fma(y1, a31);
        }
        int o = sBase + j0;
        a00.mul(alpha).intoArray(s, o);
        a01.mul(alpha).intoArray(s, o + L);
        if (rows > 1) {
            o += sStride;
            a10.mul(alpha).intoArray(s, o);
            a11.mul(alpha).intoArray(s, o + L);
        }
        if (rows > 2) {
            o += sStride;
            a20.mul(alpha).intoArray(s, o);
            a21.mul(alpha).intoArray(s, o + L);
        }
        if (rows > 3) {
            o += sStride;
            a30.mul(alpha).intoArray(s, o);
            a31.mul(alpha).intoArray(s, o + L);
        }
    }

    /**
     * s[sBase + r·sStride + j] = alpha·Σ_e x[xBase + r·xStride + e]·yt[e·tp + j] for rows r < rows (≤ 4) and
     * columns j in [j0, j0 + 4L). Rows past {@code rows} repeat the last row (their results are not stored).
     */
    static void rowsTimesTransposed(float[] x, int xBase, int xStride, int rows, float[] yt, int tp, int d, int j0,
                                    float alpha, float[] s, int sBase, int sStride) {
        int x0 = xBase;
        int x1 = xBase + Math.min(1, rows - 1) * xStride;
        int x2 = xBase + Math.min(2, rows - 1) * xStride;
        int x3 = xBase + Math.min(3, rows - 1) * xStride;
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = FloatVector.zero(F);
        FloatVector a02 = FloatVector.zero(F);
        FloatVector a03 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F);
        FloatVector a11 = FloatVector.zero(F);
        FloatVector a12 = FloatVector.zero(F);
        FloatVector a13 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F);
        FloatVector a21 = FloatVector.zero(F);
        FloatVector a22 = FloatVector.zero(F);
        FloatVector a23 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F);
        FloatVector a31 = FloatVector.zero(F);
        FloatVector a32 = FloatVector.zero(F);
        FloatVector a33 = FloatVector.zero(F);
        for (int e = 0; e < d; e++) {
            int y = e * tp + j0;
            FloatVector y0 = FloatVector.fromArray(F, yt, y);
            FloatVector y1 = FloatVector.fromArray(F, yt, y + L);
            FloatVector y2 = FloatVector.fromArray(F, yt, y + 2 * L);
            FloatVector y3 = FloatVector.fromArray(F, yt, y + 3 * L);
            FloatVector v = FloatVector.broadcast(F, x[x0 + e]);
            a00 = v.fma(y0, a00);
            a01 = v.fma(y1, a01);
            a02 = v.fma(y2, a02);
            a03 = v.fma(y3, a03);
            v = FloatVector.broadcast(F, x[x1 + e]);
            a10 = v.fma(y0, a10);
            a11 = v.fma(y1, a11);
            a12 = v.fma(y2, a12);
            a13 = v.fma(y3, a13);
            v = FloatVector.broadcast(F, x[x2 + e]);
            a20 = v.fma(y0, a20);
            a21 = v.fma(y1, a21);
            a22 = v.fma(y2, a22);
            a23 = v.fma(y3, a23);
            v = FloatVector.broadcast(F, x[x3 + e]);
            a30 = v.fma(y0, a30);
            a31 = v.fma(y1, a31);
            a32 = v.fma(y2, a32);
            a33 = v.fma(y3, a33);
        }
        int o = sBase + j0;
        a00.mul(alpha).intoArray(s, o);
        a01.mul(alpha).intoArray(s, o + L);
        a02.mul(alpha).intoArray(s, o + 2 * L);
        a03.mul(alpha).intoArray(s, o + 3 * L);
        if (rows > 1) {
            o += sStride;
            a10.mul(alpha).intoArray(s, o);
            a11.mul(alpha).intoArray(s, o + L);
            a12.mul(alpha).intoArray(s, o + 2 * L);
            a13.mul(alpha).intoArray(s, o + 3 * L);
        }
        if (rows > 2) {
            o += sStride;
            a20.mul(alpha).intoArray(s, o);
            a21.mul(alpha).intoArray(s, o + L);
            a22.mul(alpha).intoArray(s, o + 2 * L);
            a23.mul(alpha).intoArray(s, o + 3 * L);
        }
        if (rows > 3) {
            o += sStride;
            a30.mul(alpha).intoArray(s, o);
            a31.mul(alpha).intoArray(s, o + L);
            a32.mul(alpha).intoArray(s, o + 2 * L);
            a33.mul(alpha).intoArray(s, o + 3 * L);
        }
    }

    /**
     * out[oBase + r·oStride + (0..4L)] = alpha·Σ_{k in [kFrom, kTo)} w(r, k)·z[zBase + k·zStride + (0..4L)] for rows
     * r < rows (≤ 4), where w(r, k) = w[wBase + r·rowStep + k·colStep] (rowStep 1, colStep tp reads W transposed).
     */
    static void weightsTimesRows(float[] w, int wBase, int rowStep, int colStep, int rows, int kFrom, int kTo,
                                 float[] z, int zBase, int zStride, float alpha, float[] out, int oBase, int oStride) {
        int w0 = wBase;
        int w1 = wBase + Math.min(1, rows - 1) * rowStep;
        int w2 = wBase + Math.min(2, rows - 1) * rowStep;
        int w3 = wBase + Math.min(3, rows - 1) * rowStep;
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = FloatVector.zero(F);
        FloatVector a02 = FloatVector.zero(F);
        FloatVector a03 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F);
        FloatVector a11 = FloatVector.zero(F);
        FloatVector a12 = FloatVector.zero(F);
        FloatVector a13 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F);
        FloatVector a21 = FloatVector.zero(F);
        FloatVector a22 = FloatVector.zero(F);
        FloatVector a23 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F);
        FloatVector a31 = FloatVector.zero(F);
        FloatVector a32 = FloatVector.zero(F);
        FloatVector a33 = FloatVector.zero(F);
        for (int k = kFrom; k < kTo; k++) {
            int zr = zBase + k * zStride;
            FloatVector z0 = FloatVector.fromArray(F, z, zr);
            FloatVector z1 = FloatVector.fromArray(F, z, zr + L);
            FloatVector z2 = FloatVector.fromArray(F, z, zr + 2 * L);
            FloatVector z3 = FloatVector.fromArray(F, z, zr + 3 * L);
            int wk = k * colStep;
            FloatVector v = FloatVector.broadcast(F, w[w0 + wk]);
            a00 = v.fma(z0, a00);
            a01 = v.fma(z1, a01);
            a02 = v.fma(z2, a02);
            a03 = v.fma(z3, a03);
            v = FloatVector.broadcast(F, w[w1 + wk]);
            a10 = v.fma(z0, a10);
            a11 = v.fma(z1, a11);
            a12 = v.fma(z2, a12);
            a13 = v.fma(z3, a13);
            v = FloatVector.broadcast(F, w[w2 + wk]);
            a20 = v.fma(z0, a20);
            a21 = v.fma(z1, a21);
            a22 = v.fma(z2, a22);
            a23 = v.fma(z3, a23);
            v = FloatVector.broadcast(F, w[w3 + wk]);
            a30 = v.fma(z0, a30);
            a31 = v.fma(z1, a31);
            a32 = v.fma(z2, a32);
            a33 = v.fma(z3, a33);
        }
        int o = oBase;
        a00.mul(alpha).intoArray(out, o);
        a01.mul(alpha).intoArray(out, o + L);
        a02.mul(alpha).intoArray(out, o + 2 * L);
        a03.mul(alpha).intoArray(out, o + 3 * L);
        if (rows > 1) {
            o += oStride;
            a10.mul(alpha).intoArray(out, o);
            a11.mul(alpha).intoArray(out, o + L);
            a12.mul(alpha).intoArray(out, o + 2 * L);
            a13.mul(alpha).intoArray(out, o + 3 * L);
        }
        if (rows > 2) {
            o += oStride;
            a20.mul(alpha).intoArray(out, o);
            a21.mul(alpha).intoArray(out, o + L);
            a22.mul(alpha).intoArray(out, o + 2 * L);
            a23.mul(alpha).intoArray(out, o + 3 * L);
        }
        if (rows > 3) {
            o += oStride;
            a30.mul(alpha).intoArray(out, o);
            a31.mul(alpha).intoArray(out, o + L);
            a32.mul(alpha).intoArray(out, o + 2 * L);
            a33.mul(alpha).intoArray(out, o + 3 * L);
        }
    }
}
