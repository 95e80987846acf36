package org.tarflow.train.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tarflow.flow.ModelConfig;
import org.tarflow.tensor.Backend;
import org.tarflow.train.Presets;
import org.tarflow.train.TrainConfig;
import org.tarflow.train.Trainer;
import org.tarflow.train.data.Batches;
import org.tarflow.train.data.ImageDataset;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", sortOptions = false, usageHelpAutoWidth = true,
        description = {"Trains a TarFlow and writes a run folder: checkpoint.safetensors (the model), trainer-state"
            + ".safetensors (for --resume), train-config.json, metrics.jsonl (one line per step), loss.png and"
            + " samples.png.",
            "Presets: tiny (seconds, for tests), mnist (the demo model), mnist-paper (the reference's MNIST recipe:"
                + " patch 4, width 128, 4x4 layers, sigma 0.1, batch 256, lr 2e-3, 100 epochs). Options override the"
                + " preset.", ""})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "NAME|DIR",
            description = "mnist, fashion-mnist, or a folder of images with one sub-folder per class. Required unless"
                    + " --resume.")
    String data;

    @ArgGroup(exclusive = true)
    ModelChoice modelChoice;

    static final class ModelChoice {
        @Option(names = "--preset", paramLabel = "NAME", description = "tiny, mnist (default) or mnist-paper.")
        String preset;

        @Option(names = "--config", paramLabel = "MODEL.json",
                description = "A model config in the reference's terms ({\"in_channels\": 1, \"img_size\": 28, ...}),"
                        + " trained with the mnist preset's optimisation settings.")
        Path config;
    }

    @ArgGroup(exclusive = true)
    Length length;

    static final class Length {
        @Option(names = "--steps", paramLabel = "N", description = "Optimiser steps.")
        Long steps;

        @Option(names = "--epochs", paramLabel = "E", description = "Passes over the data.")
        Double epochs;

        @Option(names = "--minutes", paramLabel = "M",
                description = "Train for about M minutes: the step count is fixed from the measured speed.")
        Double minutes;
    }

    @Option(names = "--batch", paramLabel = "B", description = "Batch size.")
    Integer batch;

    @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (warm-up from 1e-6, cosine to 1e-6).")
    Double lr;

    @Option(names = "--warmup-steps", paramLabel = "N", description = "Linear warm-up length (default: the preset's).")
    Long warmup;

    @ArgGroup(exclusive = true)
    NoiseChoice noiseChoice;

    static final class NoiseChoice {
        @Option(names = "--noise-std", paramLabel = "S", description = "Gaussian noise augmentation x + S·eps (default 0.1).")
        Double noiseStd;

        @Option(names = "--dequantize", description = "Uniform dequantisation instead: likelihood training, bits/dim.")
        boolean dequantize;
    }

    @Option(names = "--label-dropout", paramLabel = "P", description = "Probability of dropping a label (default 0.1 for"
            + " conditional models).")
    Double labelDropout;

    @Option(names = "--hflip", description = "Random horizontal flips (off by default; wrong for digits).")
    boolean hflip;

    @Option(names = "--clip-grad-norm", paramLabel = "N", description = "Clip the global gradient norm (off by default).")
    Double clip;

    @Option(names = "--ema", paramLabel = "DECAY", description = "Keep an EMA of the weights, e.g. 0.999 (off by default).")
    Double ema;

    @Option(names = "--weight-decay", paramLabel = "WD", description = "AdamW weight decay (default 1e-4).")
    Double weightDecay;

    @Option(names = "--checkpoint-every", paramLabel = "N", description = "Steps between checkpoints.")
    Long checkpointEvery;

    @Option(names = "--sample-every", paramLabel = "N", description = "Steps between sample grids (0: only at the end).")
    Long sampleEvery;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of initialisation, data order and noise.")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "RUN_DIR", description = "The run folder.")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out from its last checkpoint.")
    boolean resume;

    @Mixin
    DataOptions dataOptions;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        TrainConfig cfg;
        if (resume) {
            cfg = Trainer.savedConfig(out);
            if (length != null && length.steps != null) {
                cfg = cfg.withSteps(length.steps); // extending a finished run
            }
        } else {
            if (data == null) {
                throw new IllegalArgumentException("--data is required (mnist, fashion-mnist or a folder of images)");
            }
            cfg = null;
        }
        String dataName = resume ? cfg.data() : data;
        ImageDataset train = dataOptions.load(dataName, "train");
        if (!resume) {
            cfg = configure(train);
        }
        Backend be = backend.resolve();
        Trainer trainer = new Trainer(cfg, train, be, out, msg -> System.err.println(msg));
        Trainer.Result r = trainer.run(resume, 0);
        System.out.printf(Locale.ROOT, "trained %d steps in %.1f min (%.0f images/s once warm); loss %.4f (mean of"
                        + " the last 100 steps %.4f), %d steps skipped%n", r.steps(), r.seconds() / 60,
                r.imagesPerSecond(), r.lastLoss(), r.meanRecentLoss(), r.skipped());
        System.out.println("model: " + out.resolve(Trainer.CHECKPOINT) + "; curve: " + out.resolve(Trainer.LOSS_PLOT)
                + "; samples: " + out.resolve(Trainer.SAMPLES));
        return 0;
    }

    private TrainConfig configure(ImageDataset train) throws java.io.IOException {
        String preset = modelChoice == null || modelChoice.preset == null ? "mnist" : modelChoice.preset;
        TrainConfig cfg = Presets.of(preset, data, train.channels(), train.imageSize(), train.numClasses(), train.size(),
                seed);
        if (modelChoice != null && modelChoice.config != null) {
            ModelConfig m = ModelConfig.fromJson(Files.readString(modelChoice.config));
            cfg = cfg.withModel(m);
        }
        int b = batch != null ? batch : cfg.batch();
        long stepsPerEpoch = Math.max(1, train.size() / b);
        long steps = cfg.steps();
        Double minutes = null;
        if (length != null) {
            if (length.steps != null) {
                steps = length.steps;
            } else if (length.epochs != null) {
                steps = Math.max(1, Math.round(length.epochs * stepsPerEpoch));
            } else {
                minutes = length.minutes;
                steps = 0;
            }
        } else if (batch != null) {
            steps = Math.max(1, cfg.steps() * cfg.batch() / b); // same number of epochs at the new batch size
        }
        Batches.Noise noise = noiseChoice != null && noiseChoice.dequantize ? Batches.Noise.DEQUANTIZE
                : Batches.Noise.GAUSSIAN;
        double sigma = noiseChoice != null && noiseChoice.noiseStd != null ? noiseChoice.noiseStd : cfg.noiseStd();
        return new TrainConfig(preset, cfg.model(), data, b, steps, lr != null ? lr : cfg.lr(),
                warmup != null ? warmup : cfg.warmupSteps(), noise, noise == Batches.Noise.DEQUANTIZE ? 0 : sigma,
                labelDropout != null ? labelDropout : cfg.labelDropout(), hflip, seed, cfg.beta1(), cfg.beta2(),
                cfg.eps(), weightDecay != null ? weightDecay : cfg.weightDecay(), clip != null ? clip : 0,
                ema != null ? ema : 0, checkpointEvery != null ? checkpointEvery : cfg.checkpointEvery(),
                sampleEvery != null ? sampleEvery : cfg.sampleEvery(), minutes);
    }
}
