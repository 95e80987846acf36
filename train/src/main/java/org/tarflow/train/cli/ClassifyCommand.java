package org.tarflow.train.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.tarflow.flow.BayesClassifier;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlow;
import org.tarflow.flow.io.Npy;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.MemoryScope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "classify", sortOptions = false,
        description = {"Bayes classification with a conditional flow: the label under which an image is most likely.",
            "Writes DIR/nll_per_label.npy [B,classes] (nats/dim, float32) and DIR/labels.npy [B] (int64)."})
final class ClassifyCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "Conditional model (.safetensors).")
    Path checkpoint;

    @Option(names = "--input", required = true, paramLabel = "X.npy", description = "Images [B,C,H,W] in [-1, 1].")
    Path input;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created if missing).")
    Path out;

    @Option(names = "--batch-size", defaultValue = "256", paramLabel = "N",
            description = "Forward passes are batched over images x labels, at most N at a time (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        Backend be = backend.resolve();
        TarFlow model = Io.loadModel(checkpoint, be);
        ModelConfig cfg = model.config();
        if (!cfg.conditional()) {
            throw new IllegalArgumentException(checkpoint + " is an unconditional model; classification needs labels");
        }
        Npy.Array x = Io.images(input, cfg);
        int b = x.shape()[0];
        double[][] nll;
        try (MemoryScope scope = MemoryScope.open()) {
            nll = new BayesClassifier(model).nllPerLabel(org.tarflow.tensor.Tensor.of(be, x.asFloats(), x.shape()),
                    batchSize);
        }
        int k = cfg.numClasses();
        float[] flat = new float[b * k];
        for (int i = 0; i < b; i++) {
            for (int y = 0; y < k; y++) {
                flat[i * k + y] = (float) nll[i][y];
            }
        }
        int[] pred = BayesClassifier.predict(nll);
        long[] labels = new long[b];
        for (int i = 0; i < b; i++) {
            labels[i] = pred[i];
        }
        Path dir = Io.outDir(out);
        Npy.writeFloat32(dir.resolve("nll_per_label.npy"), flat, b, k);
        Npy.writeInt64(dir.resolve("labels.npy"), labels, b);
        System.out.printf("classified %d images on %s; wrote nll_per_label.npy, labels.npy to %s%n", b, be.name(), dir);
        return 0;
    }
}
