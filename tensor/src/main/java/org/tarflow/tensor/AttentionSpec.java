package org.tarflow.tensor;

/**
 * Multi-head scaled dot-product attention over a packed projection.
 *
 * <p>Layout: {@code qkv} is [batch, tokens, 3·heads·headDim] holding q | k | v, each split into heads of
 * {@code headDim} consecutive channels (head h of q is channels [h·d, (h+1)·d)). The output is
 * [batch, tokens, heads·headDim], heads concatenated. Logits are {@code scale · q·k}; with {@code causal}, query i
 * sees keys 0..i (the diagonal included).
 */
public record AttentionSpec(int batch, int tokens, int heads, int headDim, double scale, boolean causal) {

    public AttentionSpec {
        if (batch < 0 || tokens < 0 || heads <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("attention: bad sizes batch=" + batch + " tokens=" + tokens
                    + " heads=" + heads + " headDim=" + headDim);
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("attention: scale must be positive and finite, got " + scale);
        }
    }

    /** Model width: heads · headDim. */
    public int width() {
        return heads * headDim;
    }

    /** Multiply-adds of QKᵀ and PV (counting the causal half only when causal), times two. */
    public long flops() {
        long pairs = causal ? (long) tokens * (tokens + 1) / 2 : (long) tokens * tokens;
        return 2L * 2L * batch * heads * pairs * headDim;
    }
}
