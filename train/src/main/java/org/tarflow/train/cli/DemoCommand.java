package org.tarflow.train.cli;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tarflow.flow.Denoiser;
import org.tarflow.flow.Sampler;
import org.tarflow.flow.TarFlow;
import org.tarflow.flow.io.Checkpoint;
import org.tarflow.flow.io.Npy;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;
import org.tarflow.train.Evaluator;
import org.tarflow.train.Presets;
import org.tarflow.train.Progress;
import org.tarflow.train.TrainConfig;
import org.tarflow.train.Trainer;
import org.tarflow.train.data.Batches;
import org.tarflow.train.data.Datasets;
import org.tarflow.train.data.ImageDataset;
import org.tarflow.train.image.ImageGrid;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", sortOptions = false, usageHelpAutoWidth = true,
        description = {"The whole story in one command: fetches MNIST if it is missing, trains the default"
            + " class-conditional model for a bounded time, samples a 10x10 grid (one row per digit) with guidance and"
            + " denoising, and reports test bits/dim and the Bayes classifier's accuracy.", ""})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--minutes", defaultValue = "10", paramLabel = "M", description = "Training time (default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--out", paramLabel = "DIR", description = "Run folder (default: runs/demo-<date-time>).")
    Path out;

    @Option(names = "--guidance", defaultValue = "1.5", paramLabel = "W",
            description = "Classifier-free guidance of the final grid (default: ${DEFAULT-VALUE}).")
    double guidance;

    @Option(names = "--classify", defaultValue = "1000", paramLabel = "N",
            description = "Test images the Bayes classifier labels (default: ${DEFAULT-VALUE}; each costs 10 passes).")
    int classify;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    DataOptions dataOptions;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        Path dir = out != null ? out : Path.of("runs", "demo-" + LocalDateTime.now().format(
                DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Backend be = backend.resolve();
        ImageDataset train = dataOptions.load(Datasets.MNIST, "train");
        ImageDataset test = dataOptions.load(Datasets.MNIST, "test");
        TrainConfig preset = Presets.of("mnist", Datasets.MNIST, 1, 28, 10, train.size(), seed);
        TrainConfig cfg = new TrainConfig("mnist", preset.model(), Datasets.MNIST, preset.batch(), 0, preset.lr(),
                preset.warmupSteps(), preset.noise(), preset.noiseStd(), preset.labelDropout(), false, seed,
                preset.beta1(), preset.beta2(), preset.eps(), preset.weightDecay(), 0, 0, preset.checkpointEvery(),
                preset.sampleEvery(), minutes);
        System.out.printf(Locale.ROOT, "demo: training a class-conditional TarFlow on MNIST for %.0f minutes on %s%n",
                minutes, be.description());
        Trainer.Result r = new Trainer(cfg, train, be, dir, msg -> System.err.println(msg)).run(false, 0);

        TarFlow model = Checkpoint.load(dir.resolve(Trainer.CHECKPOINT), be).model();
        int[] labels = new int[100];
        for (int i = 0; i < 100; i++) {
            labels[i] = i / 10;
        }
        Path grid = dir.resolve("demo-samples.png");
        try (MemoryScope scope = MemoryScope.open()) {
            Sampler.Result s = new Sampler(model).sample(100, seed + 1, labels,
                    new Sampler.Guidance(guidance, false, 1.0), 3);
            s.warnings().forEach(System.err::println);
            Tensor images = new Denoiser(model).denoise(s.images(), labels, cfg.noiseStd());
            float[] px = images.toFloatArray();
            Npy.writeFloat32(dir.resolve("demo-samples.npy"), px, 100, 1, 28, 28);
            ImageGrid.write(grid, px, 100, 1, 28, 28, 10);
        }
        Evaluator.Result e;
        try (Progress p = new Progress("eval", 0, test.size(), 10)) {
            e = Evaluator.run(model, test, Batches.Noise.DEQUANTIZE, 0, 256, 0, classify, seed, p);
        }
        double images = r.steps() * (double) cfg.batch();
        System.out.printf(Locale.ROOT, "%ndemo finished: %d steps (%.1f epochs) in %.1f min, %.0f images/s overall, "
                + "%.0f in the median of the last 100 steps%n", r.steps(), images / train.size(), r.seconds() / 60,
                images / r.seconds(), r.imagesPerSecond());
        System.out.printf(Locale.ROOT, "  test bits/dim (dequantised, %d images): %.4f%n", e.images(), e.bitsPerDim());
        System.out.printf(Locale.ROOT, "  Bayes classifier accuracy (%d test images): %.2f%%%n", e.classified(),
                100 * e.accuracy());
        System.out.println("  samples, one row per digit 0-9 (guidance " + guidance + ", denoised): " + grid);
        System.out.println("  model: " + dir.resolve(Trainer.CHECKPOINT) + "   curve: " + dir.resolve(Trainer.LOSS_PLOT)
                + "   metrics: " + dir.resolve(Trainer.METRICS));
        System.out.println("  try: ./tarflow sample --checkpoint " + dir.resolve(Trainer.CHECKPOINT)
                + " --count 20 --class 7 --guidance 2 --denoise 0.1 --out " + dir.resolve("sevens"));
        return 0;
    }
}
