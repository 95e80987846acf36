package org.tarflow.tensor;

/**
 * The compute SPI: storage plus the primitive kernels that {@link Tensor} ops and their gradient rules are built from.
 *
 * <p>Every tensor argument is a contiguous row-major window into one of this backend's {@link Storage}s
 * ({@link Tensor#storage()}, {@link Tensor#offset()}). Kernels never allocate tensors; the caller supplies every
 * output, fully sized. An output may alias an input only where a method says so. Sizes are validated by the
 * callers in this module, so implementations may assume them.
 *
 * <p>The {@linkplain org.tarflow.tensor.reference.ReferenceBackend reference backend} defines the semantics, in
 * float64; every other backend passes the conformance suite against it.
 */
public interface Backend {

    /** Short name used by {@code -Dtarflow.backend=NAME} and {@code --backend NAME}. */
    String name();

    /** One line for humans: device, threads, vector width. */
    String description();

    /** Worker threads the kernels use (1 for single-threaded backends). */
    default int threads() {
        return 1;
    }

    // ---------------------------------------------------------------- memory

    /** A buffer of {@code length} elements, contents undefined (it may come from a pool). */
    Storage allocate(int length);

    /** Gives a buffer back (to a pool, or to the device). It must not be used again. */
    void release(Storage storage);

    /** Drops pooled buffers that are not in use. */
    default void trimPool() {
    }

    /** Bytes currently held by this backend's buffers (in use and pooled); -1 when unknown. */
    default long bytesHeld() {
        return -1;
    }

    /** Number of fresh buffer allocations so far (pool hits excluded): a counter for allocation tests. */
    default long allocationCount() {
        return -1;
    }

    /** dst[0..n) ← src[srcOffset..srcOffset+n), n = dst.size(). */
    void write(Tensor dst, float[] src, int srcOffset);

    /** As {@link #write(Tensor, float[], int)} from doubles; float32 backends round. */
    void write(Tensor dst, double[] src, int srcOffset);

    /** dst[dstOffset..dstOffset+n) ← src, n = src.size(). */
    void read(Tensor src, float[] dst, int dstOffset);

    /** As {@link #read(Tensor, float[], int)} into doubles (exact on the float64 reference backend). */
    void read(Tensor src, double[] dst, int dstOffset);

    /** Waits until queued work is done (a no-op for synchronous backends). */
    default void synchronize() {
    }

    // ---------------------------------------------------------------- data movement

    /** Every element of dst ← value. */
    void fill(Tensor dst, double value);

    /**
     * Strided copy: for every index vector i over {@code shape},
     * {@code dst[dstOffset + Σ i·dstStrides] (+)= src[srcOffset + Σ i·srcStrides]}; offsets are relative to the
     * tensors' own offsets. Source strides may be 0 (broadcast) or negative (flip). Destination positions are
     * distinct. With {@code accumulate} the destination is added to instead of overwritten.
     */
    void copy(Tensor src, int srcOffset, int[] srcStrides, Tensor dst, int dstOffset, int[] dstStrides, int[] shape,
              boolean accumulate);

    /** out[r, :] = table[index[r], :] for a table [rows, cols]. Indices are in range. */
    void gatherRows(Tensor table, int[] index, int cols, Tensor out);

    /** table[index[r], :] += src[r, :]. Repeated indices accumulate. */
    void scatterAddRows(Tensor src, int[] index, int cols, Tensor table);

    // ---------------------------------------------------------------- elementwise

    /** y = op(x). y may alias x. */
    void unary(UnaryOp op, Tensor x, Tensor y);

    /** gx (+)= gy · op'(x), where y = op(x) is given as well (some rules use it). gx may alias gy. */
    void unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor gy, Tensor gx, boolean accumulate);

    /** y = alpha·x + beta. y may alias x. */
    void affine(Tensor x, double alpha, double beta, Tensor y);

    /**
     * Broadcasting binary op: for every index vector i over {@code shape},
     * {@code out[i] = a[Σ i·aStrides] op b[Σ i·bStrides]}, out dense row-major. Strides are ≥ 0 (0 broadcasts).
     * out may alias a or b when that operand's strides are the dense ones.
     */
    void binary(BinaryOp op, Tensor a, int[] aStrides, Tensor b, int[] bStrides, Tensor out, int[] shape);

    // ---------------------------------------------------------------- reductions

    /**
     * x viewed as [outer, reduce, inner]: {@code y[o, i] (+)= scale · Σ_r x[o, r, i]}, y is [outer, inner].
     * Accumulation happens in at least double the element precision, or pairwise, so long rows do not drift.
     */
    void sum(Tensor x, int outer, int reduce, int inner, double scale, Tensor y, boolean accumulate);

    /**
     * Whole-tensor statistics in double: {sum, sum of squares, count of non-finite elements, max |x| over finite
     * elements}. Used for gradient norms and NaN guards.
     */
    double[] stats(Tensor x);

    // ---------------------------------------------------------------- linear algebra

    /** See {@link GemmSpec}. bias (length n) may be null; it is added to every row of every C[b]. */
    void gemm(GemmSpec spec, Tensor a, Tensor b, Tensor bias, Tensor c);

    /**
     * A linear layer's weight and bias gradients from gy [rows, out] and its input x [rows, in] (rows ≥ 1):
     * gW [out, in] = gyᵀ·x and gb [out] = Σ_rows gy. Backends may compute the sum in the product's own pass over
     * gy; this default runs {@link #gemm} and {@link #sum} apart.
     */
    default void linearWeightGradients(Tensor gy, Tensor x, int rows, int out, int in, Tensor gw, Tensor gb) {
        gemm(GemmSpec.of(out, in, rows, true, false), gy, x, null, gw);
        sum(gy, 1, rows, out, 1.0, gb, false);
    }

    /**
     * All three gradients of a linear layer y = x·Wᵀ + b from gy [rows, out], x [rows, in] and W [out, in] (rows, out,
     * in ≥ 1): gx [rows, in] = gy·W (overwritten; null when the input needs none) and the weight and bias gradients of
     * {@link #linearWeightGradients}. The two products read the same gy but not each other's results, so a backend
     * may run them side by side; this default runs them in turn.
     */
    default void linearGradients(Tensor gy, Tensor x, Tensor w, int rows, int out, int in, Tensor gx, Tensor gw,
                                 Tensor gb) {
        if (gx != null) {
            gemm(GemmSpec.of(rows, in, out, false, false), gy, w, null, gx);
        }
        linearWeightGradients(gy, x, rows, out, in, gw, gb);
    }

    // ---------------------------------------------------------------- normalisation

    /**
     * LayerNorm over the last axis of x [rows, cols]: y = (x − μ)·rstd·γ + β with rstd = 1/√(var + eps), var the
     * biased variance. Saves μ and rstd [rows] for the backward pass. gamma/beta may be null (no affine).
     */
    void layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, int rows, int cols, Tensor y, Tensor mean,
                   Tensor rstd);

    /**
     * Gradients of {@link #layerNorm}: gx (overwritten, may be null), gGamma and gBeta (accumulated, may be null).
     */
    void layerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy, int rows, int cols,
                           Tensor gx, Tensor gGamma, Tensor gBeta);

    /** Row softmax of x [rows, cols], max-subtracted. y may alias x. */
    void softmax(Tensor x, int rows, int cols, Tensor y);

    /** gx = y ⊙ (gy − Σ_j gy·y) per row. gx may alias gy. */
    void softmaxBackward(Tensor y, Tensor gy, int rows, int cols, Tensor gx);

    // ---------------------------------------------------------------- attention

    /**
     * Fused attention forward (see {@link AttentionSpec} for layouts). Writes out [B, T, H·d] and the log-sum-exp
     * of every score row, lse [B, H, T], which the backward pass uses to rebuild the probabilities.
     */
    void attention(AttentionSpec spec, Tensor qkv, Tensor out, Tensor lse);

    /** Gradient of {@link #attention} with respect to qkv, written (not accumulated) to gQkv [B, T, 3·H·d]. */
    void attentionBackward(AttentionSpec spec, Tensor qkv, Tensor out, Tensor lse, Tensor gOut, Tensor gQkv);

    /**
     * One decoding step with a key/value cache (sampling). {@code qkv} [B, 3·H·d] is the projection of token
     * {@code position} of every sequence. Its k and v are stored into row {@code position} of kCache and vCache
     * [B, capacity, H·d], where capacity = spec.tokens(), and its q attends to cached rows 0..position.
     * Writes out [B, H·d]. {@code sampleScale} (length B, or null for spec.scale()) sets each sequence's logit scale,
     * so branches with different attention temperatures share one batch.
     */
    void attentionDecode(AttentionSpec spec, Tensor qkv, Tensor kCache, Tensor vCache, int position,
                         double[] sampleScale, Tensor out);

    // ---------------------------------------------------------------- flow

    /**
     * TarFlow's affine step with its causal shift fused. x, z are [B, N, D]; p is [B, N, 2D] (scale and shift) or
     * [B, N, D] (shift only, {@code withScale} false). Token i ≥ 1 uses the parameters predicted at token i − 1:
     * α = p[i−1, 0:D], μ = p[i−1, D:2D] (or α = 0, μ = p[i−1, 0:D]); token 0 passes unchanged.
     * {@code z = (x − μ)·exp(−α)}.
     */
    void causalAffine(Tensor x, Tensor p, int batch, int tokens, int dim, boolean withScale, Tensor z);

    /**
     * Gradients of {@link #causalAffine} given z and gz: gx = gz·e^(−α) (written); gp (written, every element): for
     * token i ≥ 1, ∂/∂α = −gz·z and ∂/∂μ = −gz·e^(−α) at row i − 1; row N − 1 of gp is zero.
     */
    void causalAffineBackward(Tensor p, Tensor z, Tensor gz, int batch, int tokens, int dim, boolean withScale,
                              Tensor gx, Tensor gp);

    // ---------------------------------------------------------------- optimiser

    /** In-place AdamW on one parameter: see {@link AdamWStep}. All four tensors have the same size. */
    void adamw(AdamWStep step, Tensor param, Tensor grad, Tensor m, Tensor v);
}
