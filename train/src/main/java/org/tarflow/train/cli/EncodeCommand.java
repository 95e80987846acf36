package org.tarflow.train.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlow;
import org.tarflow.flow.io.Npy;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "encode", sortOptions = false,
        description = {"Runs images forward through the flow: their latents, log-determinants and bits/dim.",
            "Writes DIR/z.npy [B,N,D] (patch-sequence form), DIR/logdet.npy [B] and DIR/bpd.npy [B], float32."})
final class EncodeCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "Model (.safetensors).")
    Path checkpoint;

    @Option(names = "--input", required = true, paramLabel = "X.npy", description = "Images [B,C,H,W] in [-1, 1].")
    Path input;

    @Option(names = "--labels", paramLabel = "Y.npy",
            description = "Labels [B] (int64) for a conditional model; -1 selects the unconditional branch.")
    Path labelsFile;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created if missing).")
    Path out;

    @Option(names = "--batch-size", defaultValue = "128", paramLabel = "N", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
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
        int tokens = cfg.numPatches() * cfg.tokenDim();
        float[] z = new float[b * tokens];
        float[] logdet = new float[b];
        float[] bpd = new float[b];
        float[] xs = x.asFloats();
        try (GradMode.Off off = GradMode.off()) {
            for (int from = 0; from < b; from += batchSize) {
                int to = Math.min(b, from + batchSize);
                try (MemoryScope scope = MemoryScope.open()) {
                    Tensor part = Io.slice(be, xs, x.shape(), from, to);
                    TarFlow.FlowOutput o = model.forward(part, Io.slice(labels, from, to));
                    System.arraycopy(o.z().toFloatArray(), 0, z, from * tokens, (to - from) * tokens);
                    System.arraycopy(o.logdet().toFloatArray(), 0, logdet, from, to - from);
                    double[] bits = o.bitsPerDim();
                    for (int i = 0; i < bits.length; i++) {
                        bpd[from + i] = (float) bits[i];
                    }
                }
            }
        }
        Path dir = Io.outDir(out);
        Npy.writeFloat32(dir.resolve("z.npy"), z, b, cfg.numPatches(), cfg.tokenDim());
        Npy.writeFloat32(dir.resolve("logdet.npy"), logdet, b);
        Npy.writeFloat32(dir.resolve("bpd.npy"), bpd, b);
        double mean = 0;
        for (float v : bpd) {
            mean += v;
        }
        System.out.printf("encoded %d images on %s: mean %.4f bits/dim; wrote z.npy, logdet.npy, bpd.npy to %s%n", b,
                be.name(), mean / Math.max(1, b), dir);
        return 0;
    }
}
