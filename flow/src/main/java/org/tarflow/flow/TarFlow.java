package org.tarflow.flow;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.tarflow.flow.nn.Init;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.Tensor;

/**
 * A TarFlow normalizing flow (Zhai et al., 2025), one-to-one with the reference's {@code Model}: images are cut into
 * P×P patches (tokens in raster order, features channel-major), passed through {@code num_blocks} autoregressive
 * {@link MetaBlock}s that alternate token direction, and mapped to a standard normal latent. Parameter names match the
 * reference's state_dict, so checkpoints move between the two.
 *
 * <p>Forward gives the latent, every block's output and the log-determinant; {@link Sampler} inverts the flow token
 * by token; {@link Denoiser} and {@link BayesClassifier} are built on the forward pass.
 */
public final class TarFlow {
    /** ln 2π / 2 + ln 128: the constant of bits/dim for 8-bit data dequantised into [−1, 1]. */
    static final double BPD_CONSTANT = 0.5 * Math.log(2 * Math.PI) + Math.log(128);

    private final ModelConfig config;
    private final Backend backend;
    final MetaBlock[] blocks;
    /** Prior variance [N, D] (the reference's {@code var} buffer, all ones for nvp models). Not a parameter. */
    private final Tensor var;

    private TarFlow(ModelConfig config, Backend backend, Random rng) {
        this.config = config;
        this.backend = backend;
        this.blocks = new MetaBlock[config.numBlocks()];
        for (int k = 0; k < blocks.length; k++) {
            blocks[k] = new MetaBlock(backend, config, k, rng);
        }
        try (GradMode.Off off = GradMode.off()) {
            this.var = Init.constant(backend, 1f, config.numPatches(), config.tokenDim()).requiresGrad(false);
        }
    }

    /** A freshly initialised model (PyTorch's default initialisations, proj_out weights zero), seeded. */
    public static TarFlow create(ModelConfig config, Backend backend, long seed) {
        return new TarFlow(config, backend, new Random(seed));
    }

    public ModelConfig config() {
        return config;
    }

    public Backend backend() {
        return backend;
    }

    /** Every trainable parameter under its reference name, in the reference's state_dict order. */
    public Map<String, Tensor> parameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int k = 0; k < blocks.length; k++) {
            blocks[k].collectParameters("blocks." + k + ".", out);
        }
        return Collections.unmodifiableMap(out);
    }

    /** The {@code var} buffer [N, D]: the prior's variance (ones unless loaded from a checkpoint that says otherwise). */
    public Tensor priorVariance() {
        return var;
    }

    public long parameterCount() {
        long n = 0;
        for (Tensor t : parameters().values()) {
            n += t.size();
        }
        return n;
    }

    // ------------------------------------------------------------------ patches

    /** [B, C, H, W] → [B, N, D]: P×P patches in raster order, features channel-major (d = c·P·P + ky·P + kx). */
    public Tensor patchify(Tensor x) {
        int[] s = x.shape();
        int c = config.inChannels();
        int h = config.imgSize();
        int p = config.patchSize();
        if (s.length != 4 || s[1] != c || s[2] != h || s[3] != h) {
            throw new IllegalArgumentException("patchify: images " + java.util.Arrays.toString(s) + " must be [batch, "
                    + c + ", " + h + ", " + h + "] for this model");
        }
        int g = h / p;
        return x.reshape(s[0], c, g, p, g, p).permute(0, 2, 4, 1, 3, 5).reshape(s[0], g * g, c * p * p);
    }

    /** [B, N, D] → [B, C, H, W], the inverse of {@link #patchify}. */
    public Tensor unpatchify(Tensor z) {
        int[] s = z.shape();
        int c = config.inChannels();
        int p = config.patchSize();
        int g = config.imgSize() / p;
        if (s.length != 3 || s[1] != g * g || s[2] != c * p * p) {
            throw new IllegalArgumentException("unpatchify: tokens " + java.util.Arrays.toString(s) + " must be [batch, "
                    + g * g + ", " + c * p * p + "] for this model");
        }
        return z.reshape(s[0], g, g, c, p, p).permute(0, 3, 1, 4, 2, 5).reshape(s[0], c, g * p, g * p);
    }

    // ------------------------------------------------------------------ forward

    /**
     * The forward (encoding) pass. {@code x} [B, C, H, W] in [−1, 1]; {@code labels} [B] for conditional models, where
     * −1 (or a null array) selects the unconditional branch (the mean class embedding); null for unconditional models.
     */
    public FlowOutput forward(Tensor x, int[] labels) {
        if (labels != null && !config.conditional()) {
            throw new IllegalArgumentException("labels given to an unconditional model (num_classes = 0)");
        }
        Tensor h = patchify(x);
        List<Tensor> outputs = new ArrayList<>(blocks.length);
        Tensor logdet = null;
        for (MetaBlock block : blocks) {
            MetaBlock.Output o = block.forward(h, labels);
            h = o.x();
            outputs.add(h);
            logdet = logdet == null ? o.logdet() : logdet.add(o.logdet());
        }
        return new FlowOutput(h, Collections.unmodifiableList(outputs), logdet);
    }

    /** Forward pass, then the training loss {@code 0.5·mean(z²) − mean(logdet)} (nats per dimension, no constant). */
    public Tensor loss(Tensor x, int[] labels) {
        return forward(x, labels).loss();
    }

    /** What the forward pass returns. */
    public record FlowOutput(Tensor z, List<Tensor> blockOutputs, Tensor logdet) {
        /** 0.5·mean(z²) − mean(logdet), a scalar. */
        public Tensor loss() {
            return z.square().mean().mul(0.5).sub(logdet.mean());
        }

        /** Per-sample negative log-likelihood in nats per dimension, without the Gaussian constant: [B]. */
        public Tensor nllPerSample() {
            return z.square().mean(false, 1, 2).mul(0.5).sub(logdet);
        }

        /**
         * Per-sample bits/dim of 8-bit data under uniform dequantisation, (nll + ½ ln 2π + ln 128) / ln 2, computed
         * in double from the per-sample NLL (adding the constant in float32 would cost a float ulp at 8.75, 1e-6).
         */
        public double[] bitsPerDim() {
            return TarFlow.bitsPerDim(nllPerSample().toDoubleArray());
        }
    }

    /** Bits/dim from per-sample NLLs in nats per dimension (no constant), in double. */
    public static double[] bitsPerDim(double[] nllPerSample) {
        double[] out = new double[nllPerSample.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (nllPerSample[i] + BPD_CONSTANT) / Math.log(2);
        }
        return out;
    }
}
