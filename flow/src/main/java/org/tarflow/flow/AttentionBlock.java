package org.tarflow.flow;

import java.util.Map;
import java.util.Random;
import org.tarflow.flow.nn.HasParameters;
import org.tarflow.flow.nn.LayerNorm;
import org.tarflow.flow.nn.Linear;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.Tensor;

/**
 * One pre-norm Transformer layer of a flow block, the reference's {@code AttentionBlock}:
 * <pre>
 *   h += proj(attention(qkv(norm₁(h))))      causal, heads of headDim channels, logits · 1/(√headDim · τ)
 *   h += main.2(GELU(main.0(norm₂(h))))      MLP with expansion × channels hidden units, exact GELU
 * </pre>
 * Parameter names: {@code attention.norm, attention.qkv, attention.proj, mlp.norm, mlp.main.0, mlp.main.2}.
 */
public final class AttentionBlock implements HasParameters {
    final LayerNorm attnNorm;
    final Linear qkv;
    final Linear proj;
    final LayerNorm mlpNorm;
    final Linear fc1;
    final Linear fc2;
    private final int heads;
    private final int headDim;

    AttentionBlock(Backend be, ModelConfig cfg, Random rng) {
        int c = cfg.channels();
        this.attnNorm = new LayerNorm(be, c);
        this.qkv = new Linear(be, c, 3 * c, rng);
        this.proj = new Linear(be, c, c, rng);
        this.mlpNorm = new LayerNorm(be, c);
        this.fc1 = new Linear(be, c, cfg.expansion() * c, rng);
        this.fc2 = new Linear(be, cfg.expansion() * c, c, rng);
        this.heads = cfg.heads();
        this.headDim = cfg.headDim();
    }

    /**
     * h [B, N, C] → [B, N, C], attention logits scaled by 1/(√headDim · temperature). Without a graph nothing refers
     * to an intermediate once the next op has read it, so its buffer goes back to the pool at once and the next
     * allocation of that size gets memory that is still cached (config A, bench fwd --profile: the first MLP product
     * 330 → 360 GFLOP/s), and peak memory drops; h itself is the caller's.
     */
    Tensor forward(Tensor h, double temperature) {
        boolean free = !GradMode.isEnabled();
        Tensor n1 = attnNorm.forward(h);
        Tensor q = spent(qkv.forward(n1), free, n1);
        Tensor a = spent(q.attention(heads, headDim, scale(temperature), true), free, q);
        Tensor p = spent(proj.forward(a), free, a);
        Tensor h1 = spent(h.add(p), free, p);
        Tensor n2 = mlpNorm.forward(h1);
        Tensor f = spent(fc1.forward(n2), free, n2);
        Tensor g = spent(f.gelu(), free, f);
        Tensor m = spent(fc2.forward(g), free, g);
        return spent(h1.add(m), free, m, h1);
    }

    /** result, after giving back the buffers of the inputs it has consumed when {@code free}. */
    private static Tensor spent(Tensor result, boolean free, Tensor... consumed) {
        if (free) {
            for (Tensor t : consumed) {
                t.release();
            }
        }
        return result;
    }

    /** The attention sub-layer's update alone (for per-layer debugging against the reference's hooks). */
    Tensor attentionUpdate(Tensor h) {
        return proj.forward(qkv.forward(attnNorm.forward(h)).attention(heads, headDim, scale(1.0), true));
    }

    Tensor mlp(Tensor h) {
        return fc2.forward(fc1.forward(mlpNorm.forward(h)).gelu());
    }

    /**
     * One sampling step for token {@code position}: h [B, C] is that token's stream; its keys and values go into
     * the caches [B, N, C] and its queries attend to tokens 0..position. {@code scales} holds each sequence's logit
     * scale (guidance batches mix temperatures).
     */
    Tensor decode(Tensor h, Tensor kCache, Tensor vCache, int position, double[] scales) {
        Tensor q = qkv.forward(attnNorm.forward(h));
        Tensor a = Tensor.attentionDecode(q, kCache, vCache, position, heads, headDim, scales);
        h = h.add(proj.forward(a));
        return h.add(mlp(h));
    }

    double scale(double temperature) {
        return 1.0 / (Math.sqrt(headDim) * temperature);
    }

    @Override
    public void collectParameters(String prefix, Map<String, Tensor> out) {
        attnNorm.collectParameters(prefix + "attention.norm.", out);
        qkv.collectParameters(prefix + "attention.qkv.", out);
        proj.collectParameters(prefix + "attention.proj.", out);
        mlpNorm.collectParameters(prefix + "mlp.norm.", out);
        fc1.collectParameters(prefix + "mlp.main.0.", out);
        fc2.collectParameters(prefix + "mlp.main.2.", out);
    }
}
