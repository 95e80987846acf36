package org.tarflow.tensor;

/**
 * A batched matrix product {@code C[b] = alpha · op(A[b]) · op(B[b]) (+ C[b] if accumulate) (+ bias)}.
 *
 * <p>op(A) is m×k: A is stored m×k row-major, or k×m when {@code transA}. op(B) is k×n: B is stored k×n, or n×k
 * when {@code transB}. C is m×n row-major. Consecutive batch entries sit {@code strideA/B/C} elements apart; a stride
 * of 0 reuses the same matrix for every batch entry (a weight shared by the batch).
 */
public record GemmSpec(int batch, int m, int n, int k, boolean transA, boolean transB,
                       int strideA, int strideB, int strideC, double alpha, boolean accumulate) {

    public GemmSpec {
        if (batch < 0 || m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: negative size batch=" + batch + " m=" + m + " n=" + n + " k=" + k);
        }
        if (strideA < 0 || strideB < 0 || strideC < 0) {
            throw new IllegalArgumentException("gemm: negative batch stride");
        }
    }

    /** A single, non-batched product. */
    public static GemmSpec of(int m, int n, int k, boolean transA, boolean transB) {
        return new GemmSpec(1, m, n, k, transA, transB, 0, 0, 0, 1.0, false);
    }

    public GemmSpec withAccumulate(boolean acc) {
        return new GemmSpec(batch, m, n, k, transA, transB, strideA, strideB, strideC, alpha, acc);
    }

    /** Leading dimension of A as stored. */
    public int lda() {
        return transA ? m : k;
    }

    /** Leading dimension of B as stored. */
    public int ldb() {
        return transB ? k : n;
    }

    /** Floating-point operations: one multiply and one add per inner-product term. */
    public long flops() {
        return 2L * batch * m * n * k;
    }
}
