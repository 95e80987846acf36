package org.tarflow.tensor;

/** Fused multi-head attention over a packed q|k|v projection, with its own backward kernel. */
final class AttentionOps {
    private AttentionOps() {
    }

    static Tensor attention(Tensor qkv, int heads, int headDim, double scale, boolean causal) {
        int[] s = qkv.shape();
        if (s.length != 3 || s[2] != 3 * heads * headDim) {
            throw new IllegalArgumentException("attention: qkv " + Shapes.str(s) + " must be [batch, tokens, 3·"
                    + heads + "·" + headDim + "=" + 3 * heads * headDim + "]");
        }
        AttentionSpec spec = new AttentionSpec(s[0], s[1], heads, headDim, scale, causal);
        Backend be = qkv.backend();
        Tensor out = Tensor.empty(be, s[0], s[1], heads * headDim);
        Tensor lse = Tensor.empty(be, s[0], heads, s[1]);
        if (out.size() > 0) {
            be.attention(spec, qkv, out, lse);
        }
        return Autograd.record("attention", out, gOut -> {
            Tensor gQkv = Tensor.empty(be, s);
            if (gQkv.size() > 0) {
                be.attentionBackward(spec, qkv, out, lse, gOut, gQkv);
            }
            return new Tensor[] {gQkv};
        }, qkv);
    }
}
