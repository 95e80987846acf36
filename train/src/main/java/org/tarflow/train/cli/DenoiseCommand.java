package org.tarflow.train.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.tarflow.flow.Denoiser;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlow;
import org.tarflow.flow.io.Npy;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.MemoryScope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "denoise", sortOptions = false,
        description = {"One score-based denoising step, x + sigma^2 * grad_x log p(x), per image.",
            "Use the noise level the model was trained with. Writes DIR/denoised.npy [B,C,H,W] (float32)."})
final class DenoiseCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "Model (.safetensors).")
    Path checkpoint;

    @Option(names = "--input", required = true, paramLabel = "X.npy", description = "Noisy images [B,C,H,W].")
    Path input;

    @Option(names = "--labels", paramLabel = "Y.npy", description = "Labels [B] for a conditional model.")
    Path labelsFile;

    @Option(names = "--sigma", required = true, paramLabel = "S", description = "Noise level (standard deviation).")
    double sigma;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created if missing).")
    Path out;

    @Option(names = "--batch-size", defaultValue = "64", paramLabel = "N", description = "Images per pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        Backend be = backend.resolve();
        TarFlow model = Io.loadModel(checkpoint, be);
        ModelConfig cfg = model.config();
        Npy.Array x = Io.images(input, cfg);
        int b = x.shape()[0];
        int[] labels = Io.labels(labelsFile, cfg, b);
        float[] xs = x.asFloats();
        float[] result = new float[xs.length];
        int per = cfg.dataDim();
        Denoiser denoiser = new Denoiser(model);
        for (int from = 0; from < b; from += batchSize) {
            int to = Math.min(b, from + batchSize);
            try (MemoryScope scope = MemoryScope.open()) {
                float[] d = denoiser.denoise(Io.slice(be, xs, x.shape(), from, to), Io.slice(labels, from, to), sigma)
                        .toFloatArray();
                System.arraycopy(d, 0, result, from * per, (to - from) * per);
            }
        }
        Path dir = Io.outDir(out);
        Npy.writeFloat32(dir.resolve("denoised.npy"), result, x.shape());
        System.out.printf("denoised %d images at sigma %s on %s; wrote denoised.npy to %s%n", b, sigma, be.name(), dir);
        return 0;
    }
}
