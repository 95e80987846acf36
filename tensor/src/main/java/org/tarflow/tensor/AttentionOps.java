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

    static Tensor decode(Tensor qkv, Tensor kCache, Tensor vCache, int position, int heads, int headDim,
                         double[] sampleScale) {
        int[] q = qkv.shape();
        int[] k = kCache.shape();
        int width = heads * headDim;
        if (q.length != 2 || q[1] != 3 * width) {
            throw new IllegalArgumentException("attentionDecode: qkv " + Shapes.str(q) + " must be [batch, 3·" + width + "]");
        }
        if (k.length != 3 || k[0] != q[0] || k[2] != width || !java.util.Arrays.equals(k, vCache.shape())) {
            throw new IllegalArgumentException("attentionDecode: caches " + Shapes.str(k) + " and "
                    + Shapes.str(vCache.shape()) + " must both be [" + q[0] + ", capacity, " + width + "]");
        }
        if (position < 0 || position >= k[1]) {
            throw new IllegalArgumentException("attentionDecode: position " + position + " outside the cache capacity "
                    + k[1]);
        }
        if (sampleScale != null && sampleScale.length != q[0]) {
            throw new IllegalArgumentException("attentionDecode: " + sampleScale.length + " scales for batch " + q[0]);
        }
        if (GradMode.isEnabled() && (qkv.requiresGrad() || kCache.requiresGrad() || vCache.requiresGrad())) {
            throw new IllegalStateException("attentionDecode records no gradient: run it under GradMode.off()");
        }
        ElementwiseOps.sameBackend("attentionDecode", qkv, kCache);
        ElementwiseOps.sameBackend("attentionDecode", qkv, vCache);
        double scale = sampleScale == null ? 1.0 / Math.sqrt(headDim) : 1.0;
        AttentionSpec spec = new AttentionSpec(q[0], k[1], heads, headDim, scale, true);
        Tensor out = Tensor.empty(qkv.backend(), q[0], width);
        if (out.size() > 0) {
            qkv.backend().attentionDecode(spec, qkv, kCache, vCache, position, sampleScale, out);
        }
        return out;
    }
}
