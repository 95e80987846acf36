package org.tarflow.train.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.tarflow.flow.Denoiser;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.Sampler;
import org.tarflow.flow.TarFlow;
import org.tarflow.flow.io.Npy;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;
import org.tarflow.train.image.ImageGrid;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sample", sortOptions = false,
        description = {"Draws images by inverting the flow from Gaussian noise, token by token.",
            "Writes DIR/samples.npy [B,C,H,W] (float32) and DIR/samples.png (a grid, [-1,1] mapped to pixels).",
            "Guidance: --guidance W runs a second, unconditional branch (mean class embedding, and/or attention"
                + " temperature --attn-temp in every layer) and pushes the prediction away from it;"
                + " --annealed ramps W up over the tokens."})
final class SampleCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "Model (.safetensors).")
    Path checkpoint;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--noise", paramLabel = "EPS.npy", description = "Prior noise [B,N,D] to invert.")
        Path noise;

        @Option(names = "--count", paramLabel = "K", description = "Number of samples, with noise drawn from --seed.")
        Integer count;
    }

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "Seed of the noise (and of redraws when a sample comes out non-finite). Default: ${DEFAULT-VALUE}.")
    long seed;

    @ArgGroup(exclusive = true)
    LabelChoice labelChoice;

    static final class LabelChoice {
        @Option(names = "--labels", paramLabel = "Y.npy", description = "One label per sample (int64), -1 = unconditional.")
        Path file;

        @Option(names = "--class", paramLabel = "C", description = "The same label for every sample.")
        Integer single;
    }

    @Option(names = "--guidance", defaultValue = "0", paramLabel = "W", description = "Guidance weight (default: none).")
    double guidance;

    @Option(names = "--annealed", description = "Anneal guidance: token i uses (i+1)/(N-1)·W.")
    boolean annealed;

    @Option(names = "--attn-temp", defaultValue = "1", paramLabel = "T",
            description = "Attention temperature of the unconditional guidance branch (default: ${DEFAULT-VALUE}).")
    double attnTemp;

    @Option(names = "--denoise", paramLabel = "SIGMA",
            description = "Finish with one score-based denoising step at this noise level (the training sigma).")
    Double denoise;

    @Option(names = "--columns", defaultValue = "10", paramLabel = "N", description = "Images per row in samples.png.")
    int columns;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created if missing).")
    Path out;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        Backend be = backend.resolve();
        TarFlow model = Io.loadModel(checkpoint, be);
        ModelConfig cfg = model.config();
        Sampler sampler = new Sampler(model);
        Sampler.Guidance g = new Sampler.Guidance(guidance, annealed, attnTemp);
        if (attnTemp != 1.0 && guidance == 0) {
            System.err.println("sample: note: --attn-temp acts through guidance only; set --guidance W > 0");
        }
        long start = System.nanoTime();
        Sampler.Result result;
        int b;
        int[] labels;
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor eps;
            if (source.noise != null) {
                Npy.Array a = Npy.read(source.noise);
                int[] s = a.shape();
                if (s.length != 3 || s[1] != cfg.numPatches() || s[2] != cfg.tokenDim()) {
                    throw new IllegalArgumentException(source.noise + ": shape " + Arrays.toString(s)
                            + ", the model samples from noise [batch, " + cfg.numPatches() + ", " + cfg.tokenDim() + "]");
                }
                Io.checkFinite(source.noise, a.asFloats());
                eps = Tensor.of(be, a.asFloats(), s);
            } else {
                if (source.count < 1) {
                    throw new IllegalArgumentException("--count must be >= 1, got " + source.count);
                }
                eps = sampler.drawNoise(source.count, new java.util.Random(seed));
            }
            b = eps.dim(0);
            labels = labels(cfg, b);
            result = sampler.guarded(eps, seed, labels, g, 3);
            Tensor images = result.images();
            if (denoise != null) {
                images = new Denoiser(model).denoise(images, labels, denoise);
            }
            float[] pixels = images.toFloatArray();
            double secs = (System.nanoTime() - start) / 1e9;
            Path dir = Io.outDir(out);
            Npy.writeFloat32(dir.resolve("samples.npy"), pixels, b, cfg.inChannels(), cfg.imgSize(), cfg.imgSize());
            if (cfg.inChannels() == 1 || cfg.inChannels() == 3) {
                ImageGrid.write(dir.resolve("samples.png"), pixels, b, cfg.inChannels(), cfg.imgSize(), cfg.imgSize(),
                        columns);
            }
            result.warnings().forEach(System.err::println);
            System.out.printf("sampled %d images on %s in %.2f s (%.1f images/s)%s%s; wrote samples.npy, samples.png to %s%n",
                    b, be.name(), secs, b / secs, g.active() ? ", guidance " + guidance + (annealed ? " annealed" : "")
                            + (attnTemp != 1 ? ", attention temperature " + attnTemp : "") : "",
                    denoise != null ? ", denoised at sigma " + denoise : "", dir);
        }
        return 0;
    }

    private int[] labels(ModelConfig cfg, int b) throws java.io.IOException {
        if (labelChoice == null) {
            return null; // conditional models then sample the unconditional branch (mean class embedding)
        }
        if (labelChoice.file != null) {
            return Io.labels(labelChoice.file, cfg, b);
        }
        if (!cfg.conditional()) {
            throw new IllegalArgumentException("--class given, but the model is unconditional (num_classes = 0)");
        }
        if (labelChoice.single < 0 || labelChoice.single >= cfg.numClasses()) {
            throw new IllegalArgumentException("--class " + labelChoice.single + " is outside 0.." + (cfg.numClasses() - 1));
        }
        int[] y = new int[b];
        Arrays.fill(y, labelChoice.single);
        return y;
    }
}
