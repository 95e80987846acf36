package org.tarflow.flow;

import java.util.Map;
import java.util.Random;
import org.tarflow.flow.nn.HasParameters;
import org.tarflow.flow.nn.Init;
import org.tarflow.flow.nn.Linear;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;

/**
 * One autoregressive flow block, the reference's {@code MetaBlock}. Tokens are permuted (identity for even blocks,
 * reversed for odd ones, the positional embedding with them), transformed, and permuted back:
 * <pre>
 *   h = proj_in(x) + pos_embed (+ class_embed[y])
 *   h = attn_blocks(h)                              causal Transformer layers
 *   (α, μ) = split(shift₁(proj_out(h)))             token i gets the prediction made at token i−1; token 0 gets 0
 *   z = (x − μ)·exp(−α),  logdet = −mean(α)          per-dimension units
 * </pre>
 * With {@code nvp = false} (the reference's volume-preserving ablation) proj_out predicts μ alone and α = 0.
 */
public final class MetaBlock implements HasParameters {
    final Linear projIn;
    final Tensor posEmbed;   // [N, C]
    final Tensor classEmbed; // [classes, 1, C] or null
    final AttentionBlock[] layers;
    final Linear projOut;    // [2D or D, C], weight zero at creation
    final boolean flip;
    private final ModelConfig cfg;

    MetaBlock(Backend be, ModelConfig cfg, int index, Random rng) {
        this.cfg = cfg;
        int d = cfg.tokenDim();
        int c = cfg.channels();
        this.projIn = new Linear(be, d, c, rng);
        this.posEmbed = Init.normal(be, rng, 1e-2, cfg.numPatches(), c);
        this.classEmbed = cfg.conditional() ? Init.normal(be, rng, 1e-2, cfg.numClasses(), 1, c) : null;
        this.layers = new AttentionBlock[cfg.layersPerBlock()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = new AttentionBlock(be, cfg, rng);
        }
        this.projOut = new Linear(be, c, cfg.nvp() ? 2 * d : d, rng);
        this.projOut.weight.fill(0); // the reference zero-initialises proj_out.weight (not its bias)
        this.flip = index % 2 == 1;
    }

    /** Result of one block: its output (raster token order) and per-sample logdet [B]. */
    record Output(Tensor x, Tensor logdet) {
    }

    /** Tokens in this block's order (a copy for odd blocks). */
    Tensor permute(Tensor x) {
        return flip ? x.flip(1) : x;
    }

    /**
     * Class conditioning for a batch: [B, 1, C] rows of the table, with label −1 (or a null label array) meaning
     * the mean of all rows (the unconditional branch / dropped label). Null for unconditional models.
     */
    Tensor classRows(int[] labels, int batch) {
        if (classEmbed == null) {
            return null;
        }
        int c = cfg.channels();
        if (labels == null) {
            return classEmbed.mean(true, 0).reshape(1, 1, c);
        }
        if (labels.length != batch) {
            throw new IllegalArgumentException("labels: " + labels.length + " labels for a batch of " + batch);
        }
        boolean anyDropped = false;
        boolean allDropped = true;
        int[] idx = new int[batch];
        for (int i = 0; i < batch; i++) {
            int y = labels[i];
            if (y < -1 || y >= cfg.numClasses()) {
                throw new IllegalArgumentException("labels: " + y + " is not a class of this model (0.."
                        + (cfg.numClasses() - 1) + ", or -1 for none)");
            }
            anyDropped |= y < 0;
            allDropped &= y < 0;
            idx[i] = Math.max(y, 0);
        }
        if (allDropped) {
            return classEmbed.mean(true, 0).reshape(1, 1, c);
        }
        Tensor rows = classEmbed.gatherRows(idx); // [B, 1, C]
        if (!anyDropped) {
            return rows;
        }
        float[] m = new float[batch];
        for (int i = 0; i < batch; i++) {
            m[i] = labels[i] < 0 ? 1f : 0f;
        }
        Tensor mask;
        Tensor keep;
        try (GradMode.Off off = GradMode.off()) {
            mask = Tensor.of(rows.backend(), m, batch, 1, 1);
            keep = mask.affine(-1.0, 1.0);
        }
        // (1 − m)·class_embed[y] + m·mean(class_embed), as the reference mixes dropped labels
        return rows.mul(keep).add(classEmbed.mean(true, 0).reshape(1, 1, c).mul(mask));
    }

    /** x [B, N, D] in raster order → block output [B, N, D] in raster order, logdet [B]. */
    Output forward(Tensor x, int[] labels) {
        int d = cfg.tokenDim();
        int n = cfg.numPatches();
        // The shift discards what the last token predicts, and under the causal mask no other token sees it: the
        // Transformer runs on tokens 0 … N−2 only (the same results, 1/N less work)
        int t = Math.max(1, n - 1);
        Tensor xp = permute(x);
        Tensor pos = flip ? posEmbed.flip(0) : posEmbed;
        Tensor h = projIn.forward(xp.slice(1, 0, t)).add(pos.slice(0, 0, t));
        Tensor cls = classRows(labels, x.dim(0));
        if (cls != null) {
            h = h.add(cls);
        }
        boolean graph = GradMode.isEnabled();
        for (AttentionBlock layer : layers) {
            Tensor next = layer.forward(h, 1.0);
            if (!graph) {
                h.release(); // made in this method; without a graph nothing else refers to it
            }
            h = next;
        }
        // (α, μ) of token i come from row i − 1 of proj_out; the fused op applies that shift itself and never
        // reads the last row, which is padding here
        Tensor o = projOut.forward(h);
        Tensor params = o;
        if (t < n) {
            Tensor pad;
            try (GradMode.Off off = GradMode.off()) {
                pad = Tensor.zeros(x.backend(), x.dim(0), n - t, o.dim(2));
            }
            params = Tensor.concat(1, o, pad);
        }
        Tensor z = Tensor.causalAffine(xp, params, cfg.nvp());
        Tensor logdet;
        if (cfg.nvp()) {
            // −mean(α) over all N·D positions, token 0 (α = 0) included
            logdet = o.slice(1, 0, n - 1).slice(2, 0, d).sum(false, 1, 2).mul(-1.0 / ((double) n * d));
        } else {
            try (GradMode.Off off = GradMode.off()) {
                logdet = Tensor.zeros(x.backend(), x.dim(0));
            }
        }
        return new Output(permute(z), logdet);
    }

    /**
     * Inverts this block token by token (no gradient): see {@link Sampler}. {@code x} [B, N, D] is overwritten with
     * the block's input. {@code plan} carries the batch layout (guidance doubles it), per-sequence scales and caches.
     */
    void reverse(Tensor x, Sampler.Plan plan) {
        int n = cfg.numPatches();
        int d = cfg.tokenDim();
        int b = x.dim(0);
        Tensor xp = permute(x);
        Tensor pos = flip ? posEmbed.flip(0) : posEmbed;
        Tensor cls = plan.classRows(this);
        for (int i = 0; i < n - 1; i++) {
            try (MemoryScope step = MemoryScope.open()) {
                Tensor tok = xp.slice(1, i, i + 1).reshape(b, d);
                Tensor in = plan.guided() ? Tensor.concat(0, tok, tok) : tok;
                Tensor h = projIn.forward(in).add(pos.slice(0, i, i + 1));
                if (cls != null) {
                    h = h.add(cls);
                }
                for (int l = 0; l < layers.length; l++) {
                    h = layers[l].decode(h, plan.kCache(l), plan.vCache(l), i, plan.scales());
                }
                Tensor o = projOut.forward(h); // [Bt, 2D]: the parameters of token i + 1
                Tensor alpha = cfg.nvp() ? o.slice(1, 0, d) : null;
                Tensor mu = cfg.nvp() ? o.slice(1, d, 2 * d) : o;
                if (plan.guided()) {
                    double g = plan.guidanceAt(i, n);
                    mu = guide(mu, b, g);
                    if (alpha != null) {
                        alpha = guide(alpha, b, g);
                    }
                }
                Tensor next = xp.slice(1, i + 1, i + 2).reshape(b, d);
                next = alpha == null ? next.add(mu) : next.mul(alpha.exp()).add(mu);
                xp.setSlice(1, i + 1, next.reshape(b, 1, d));
            }
        }
        if (flip) {
            x.set(xp.flip(1));
        }
    }

    /** cond + g·(cond − uncond) over a [2B, k] batch whose first half is conditional. */
    private static Tensor guide(Tensor v, int b, double g) {
        Tensor cond = v.slice(0, 0, b);
        Tensor uncond = v.slice(0, b, 2 * b);
        return cond.add(cond.sub(uncond).mul(g));
    }

    @Override
    public void collectParameters(String prefix, Map<String, Tensor> out) {
        out.put(prefix + "pos_embed", posEmbed);
        if (classEmbed != null) {
            out.put(prefix + "class_embed", classEmbed);
        }
        projIn.collectParameters(prefix + "proj_in.", out);
        for (int l = 0; l < layers.length; l++) {
            layers[l].collectParameters(prefix + "attn_blocks." + l + ".", out);
        }
        projOut.collectParameters(prefix + "proj_out.", out);
    }
}
