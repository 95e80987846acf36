package org.tarflow.train.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.tarflow.flow.TarFlow;
import org.tarflow.tensor.Backend;
import org.tarflow.train.Evaluator;
import org.tarflow.train.Progress;
import org.tarflow.train.data.Batches;
import org.tarflow.train.data.ImageDataset;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval", sortOptions = false, usageHelpAutoWidth = true,
        description = {"Bits/dim of a data split under a model and, for conditional models, the accuracy of the Bayes"
            + " classifier. --dequantize gives the proper likelihood of 8-bit data; without it the clean pixels are"
            + " scored (or noisy ones with --noise-std).", ""})
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "Model (.safetensors).")
    Path checkpoint;

    @Option(names = "--data", required = true, paramLabel = "NAME|DIR", description = "mnist, fashion-mnist or a folder.")
    String data;

    @Option(names = "--split", defaultValue = "test", paramLabel = "SPLIT", description = "train or test (default: ${DEFAULT-VALUE}).")
    String split;

    @ArgGroup(exclusive = true)
    NoiseChoice noise;

    static final class NoiseChoice {
        @Option(names = "--dequantize", description = "Uniform dequantisation (bits/dim of the 8-bit data).")
        boolean dequantize;

        @Option(names = "--noise-std", paramLabel = "S", description = "Score x + S·eps instead.")
        Double noiseStd;
    }

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Evaluate only the first N images.")
    int limit;

    @Option(names = "--classify", defaultValue = "-1", paramLabel = "N",
            description = "Classify the first N images (default: all evaluated ones; 0 to skip). Costs one forward"
                    + " pass per class.")
    int classify;

    @Option(names = "--batch-size", defaultValue = "256", paramLabel = "N", description = "Images per pass.")
    int batchSize;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of the dequantisation noise.")
    long seed;

    @Mixin
    DataOptions dataOptions;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        Backend be = backend.resolve();
        TarFlow model = Io.loadModel(checkpoint, be);
        ImageDataset set = dataOptions.load(data, split);
        Batches.Noise kind = noise == null ? Batches.Noise.NONE
                : noise.dequantize ? Batches.Noise.DEQUANTIZE : Batches.Noise.GAUSSIAN;
        int n = limit > 0 ? Math.min(limit, set.size()) : set.size();
        Evaluator.Result r;
        try (Progress p = new Progress("eval", 0, n, 10)) {
            r = Evaluator.run(model, set, kind, noise != null && noise.noiseStd != null ? noise.noiseStd : 0,
                    batchSize, n, classify < 0 ? n : classify, seed, p);
        }
        System.out.println(set.name() + ": " + r.summary());
        return 0;
    }
}
