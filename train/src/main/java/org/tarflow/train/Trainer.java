package org.tarflow.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.tarflow.flow.Denoiser;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.Sampler;
import org.tarflow.flow.TarFlow;
import org.tarflow.flow.io.AtomicFiles;
import org.tarflow.flow.io.Checkpoint;
import org.tarflow.flow.io.SafeTensors;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;
import org.tarflow.train.data.Batches;
import org.tarflow.train.data.ImageDataset;
import org.tarflow.train.image.ImageGrid;
import org.tarflow.train.optim.AdamW;
import org.tarflow.train.optim.LrSchedule;

/**
 * Trains a TarFlow in a run folder:
 * <pre>
 *   checkpoint.safetensors      the model (loads in every other command), rewritten atomically at checkpoints
 *   checkpoint-ema.safetensors  the EMA weights, when that option is on
 *   trainer-state.safetensors   parameters, AdamW moments, EMA and counters: what --resume continues from
 *   train-config.json           the run's configuration
 *   metrics.jsonl               one object per optimiser step (step, loss, lr, grad_norm, images_per_s, skipped ...)
 *   loss.png, samples.png       the training curve and the latest sample grid
 * </pre>
 * Batches, noise and label dropout are a function of (seed, step) (see {@link Batches}), so a resumed run repeats the
 * uninterrupted run's losses exactly on the same backend and thread count. The trainer state carries its own copy of
 * the parameters: a kill between the two checkpoint writes leaves a consistent state to resume from.
 */
public final class Trainer {
    public static final String CHECKPOINT = "checkpoint.safetensors";
    public static final String CHECKPOINT_EMA = "checkpoint-ema.safetensors";
    public static final String STATE = "trainer-state.safetensors";
    public static final String CONFIG = "train-config.json";
    public static final String METRICS = "metrics.jsonl";
    public static final String LOSS_PLOT = "loss.png";
    public static final String SAMPLES = "samples.png";
    /**
     * A time-bounded run measures its speed over the second half of its first {@code b} steps, b = warm-up length
     * clamped to [60, 280], and fixes its length at step b: late enough that the JIT has compiled the kernels (the
     * first steps run several times slower), and inside the warm-up, before the cosine needs the total.
     */
    static long calibrationEnd(long warmupSteps) {
        return Math.max(60, Math.min(280, warmupSteps));
    }

    /**
     * What a finished (or stopped) run reports: steps done, the last loss, the mean loss of the last 100 steps, the
     * median throughput of the last 100 steps, skipped steps, and wall time including earlier sessions.
     */
    public record Result(long steps, double lastLoss, double meanRecentLoss, double imagesPerSecond, long skipped,
                         double seconds) {
    }

    private TrainConfig cfg;
    private final ImageDataset data;
    private final Backend backend;
    private final Path dir;
    private final Consumer<String> log;

    public Trainer(TrainConfig cfg, ImageDataset data, Backend backend, Path runDir, Consumer<String> log) {
        ModelConfig m = cfg.model();
        if (m.inChannels() != data.channels() || m.imgSize() != data.imageSize()) {
            throw new IllegalArgumentException("model takes " + m.inChannels() + "x" + m.imgSize() + "x" + m.imgSize()
                    + " images, the data has " + data.channels() + "x" + data.imageSize() + "x" + data.imageSize());
        }
        if (m.conditional() && !data.labelled()) {
            throw new IllegalArgumentException("a conditional model needs labelled data; " + data.name() + " has none");
        }
        if (m.conditional() && m.numClasses() != data.numClasses()) {
            throw new IllegalArgumentException("model has " + m.numClasses() + " classes, the data " + data.numClasses());
        }
        this.cfg = cfg;
        this.data = data;
        this.backend = backend;
        this.dir = runDir;
        this.log = log;
    }

    public TrainConfig config() {
        return cfg;
    }

    /** Reads a run folder's saved configuration (for --resume). */
    public static TrainConfig savedConfig(Path runDir) throws IOException {
        Path f = runDir.resolve(CONFIG);
        if (!Files.exists(f)) {
            throw new IOException("cannot resume: " + f + " does not exist (is " + runDir + " a training run folder?)");
        }
        return TrainConfig.fromJson(Files.readString(f));
    }

    /**
     * Trains from scratch or, with {@code resume}, from the run folder's trainer state, until the configured number
     * of steps (or {@code stopAt}, a step count at which to stop as if interrupted; ≤ 0 for none).
     */
    public Result run(boolean resume, long stopAt) throws IOException {
        Files.createDirectories(dir);
        TarFlow model = TarFlow.create(cfg.model(), backend, cfg.seed());
        AdamW opt = new AdamW(model.parameters(), cfg.adam());
        long start = 0;
        double elapsedBefore = 0;
        if (resume) {
            Map<String, String> meta = restore(model, opt);
            start = Long.parseLong(meta.get("step"));
            elapsedBefore = Double.parseDouble(meta.getOrDefault("elapsed_s", "0"));
            log.accept(String.format(Locale.ROOT, "resuming %s at step %d of %d", dir, start, cfg.steps()));
        } else {
            if (Files.exists(dir.resolve(STATE))) {
                throw new IOException(dir + " already holds a training run; pass --resume to continue it or choose"
                        + " another --out");
            }
            AtomicFiles.write(dir.resolve(CONFIG), cfg.toJson().getBytes(StandardCharsets.UTF_8));
        }
        Batches batches = new Batches(data, cfg.batch(), cfg.seed(), cfg.noise(), cfg.noiseStd(), cfg.labelDropout(),
                cfg.hflip());
        boolean timed = cfg.maxMinutes() != null && cfg.steps() == 0;
        log.accept(String.format(Locale.ROOT, "model: %,d parameters, %s; data: %s (%,d images, %d steps per epoch);"
                        + " backend: %s", model.parameterCount(), cfg.model().toJson(), data.name(), data.size(),
                batches.stepsPerEpoch(), backend.description()));
        long total = timed ? Long.MAX_VALUE : cfg.steps();
        long end = stopAt > 0 ? Math.min(stopAt, total) : total;
        double lastLoss = Double.NaN;
        double[] recentLoss = new double[100];
        double[] recentSecs = new double[100];
        int recentCount = 0;
        long runStart = System.nanoTime();
        long calibrationStart = 0;
        long step = start;
        try (Metrics metrics = new Metrics(dir.resolve(METRICS), start);
             Progress progress = new Progress("train", start, timed ? Progress.UNKNOWN : total, 30)) {
            while (step < end) {
                long t0 = System.nanoTime();
                LrSchedule schedule = LrSchedule.recipe(cfg.lr(), cfg.warmupSteps(), timed ? Long.MAX_VALUE : total);
                double lr = schedule.at(step);
                Batches.Batch batch = batches.at(step);
                double loss;
                AdamW.Outcome outcome;
                try (MemoryScope scope = MemoryScope.open()) {
                    Tensor x = Tensor.of(backend, batch.images(), cfg.batch(), cfg.model().inChannels(),
                            cfg.model().imgSize(), cfg.model().imgSize());
                    Tensor lossT = model.loss(x, cfg.model().conditional() ? batch.labels() : null);
                    opt.zeroGrad();
                    lossT.backward();
                    loss = lossT.item();
                    outcome = opt.step(lr);
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                step++;
                lastLoss = loss;
                recentLoss[recentCount % 100] = loss;
                recentSecs[recentCount % 100] = secs;
                recentCount++;
                ObjectNode rec = metrics.record();
                rec.put("step", step - 1);
                rec.put("epoch", batch.epoch());
                rec.put("loss", loss);
                if (cfg.noise() == Batches.Noise.DEQUANTIZE) {
                    rec.put("bpd", (loss + 0.5 * Math.log(2 * Math.PI) + Math.log(128)) / Math.log(2));
                }
                rec.put("lr", lr);
                rec.put("grad_norm", outcome.gradNorm());
                rec.put("images_per_s", cfg.batch() / secs);
                rec.put("skipped", opt.skipped());
                rec.put("time_s", elapsedBefore + (System.nanoTime() - runStart) / 1e9);
                metrics.write(rec);
                if (!outcome.applied()) {
                    log.accept("step " + (step - 1) + ": gradients not finite (loss " + loss + "); step skipped ("
                            + opt.skipped() + " so far)");
                }
                long calibEnd = calibrationEnd(cfg.warmupSteps());
                if (timed && step - start == calibEnd / 2) {
                    calibrationStart = System.nanoTime();
                }
                if (timed && step - start == calibEnd) {
                    double perStep = (System.nanoTime() - calibrationStart) / 1e9 / (calibEnd - calibEnd / 2);
                    double remaining = cfg.maxMinutes() * 60 - (System.nanoTime() - runStart) / 1e9;
                    total = Math.max(step + 1, step + (long) (remaining / perStep));
                    cfg = cfg.withSteps(total);
                    AtomicFiles.write(dir.resolve(CONFIG), cfg.toJson().getBytes(StandardCharsets.UTF_8));
                    end = stopAt > 0 ? Math.min(stopAt, total) : total;
                    timed = false;
                    progress.setTotal(total);
                    log.accept(String.format(Locale.ROOT, "time budget %.1f min at %.0f ms/step: training %d steps"
                            + " (%.1f epochs)", cfg.maxMinutes(), perStep * 1000, total,
                            (double) total / batches.stepsPerEpoch()));
                }
                progress.update(step, String.format(Locale.ROOT, "loss %.4f lr %.1e %.0f img/s", loss, lr,
                        cfg.batch() / secs));
                if (step % cfg.checkpointEvery() == 0 && step < end) {
                    save(model, opt, step, elapsedBefore + (System.nanoTime() - runStart) / 1e9);
                }
                if (cfg.sampleEvery() > 0 && step % cfg.sampleEvery() == 0 && step < end) {
                    sampleGrid(model, dir.resolve(SAMPLES));
                }
            }
        }
        double seconds = elapsedBefore + (System.nanoTime() - runStart) / 1e9;
        save(model, opt, step, seconds);
        LossPlot.write(dir.resolve(METRICS), dir.resolve(LOSS_PLOT), "TarFlow training loss, " + data.name());
        if (step >= cfg.steps() && cfg.steps() > 0) {
            sampleGrid(model, dir.resolve(SAMPLES));
        }
        int k = Math.min(recentCount, 100);
        double meanLoss = 0;
        for (int i = 0; i < k; i++) {
            meanLoss += recentLoss[i];
        }
        double[] secs = java.util.Arrays.copyOf(recentSecs, k);
        java.util.Arrays.sort(secs);
        // steady-state throughput: the median step of the last 100 (the first steps include JIT compilation)
        double ips = k == 0 ? 0 : cfg.batch() / secs[k / 2];
        return new Result(step, lastLoss, k == 0 ? Double.NaN : meanLoss / k, ips, opt.skipped(), seconds);
    }

    /** Writes the trainer state, then the model checkpoint(s), each atomically. */
    private void save(TarFlow model, AdamW opt, long step, double elapsed) throws IOException {
        Map<String, SafeTensors.Entry> t = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.parameters().entrySet()) {
            t.put("param/" + e.getKey(), entry(e.getValue()));
        }
        for (Map.Entry<String, Tensor> e : opt.firstMoments().entrySet()) {
            t.put("adam_m/" + e.getKey(), entry(e.getValue()));
        }
        for (Map.Entry<String, Tensor> e : opt.secondMoments().entrySet()) {
            t.put("adam_v/" + e.getKey(), entry(e.getValue()));
        }
        for (Map.Entry<String, Tensor> e : opt.ema().entrySet()) {
            t.put("ema/" + e.getKey(), entry(e.getValue()));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("step", Long.toString(step));
        meta.put("optimizer_steps", Long.toString(opt.steps()));
        meta.put("skipped", Long.toString(opt.skipped()));
        meta.put("elapsed_s", Double.toString(elapsed));
        meta.put("train_config", cfg.toJson());
        SafeTensors.write(dir.resolve(STATE), t, meta);
        Map<String, String> modelMeta = Map.of("step", Long.toString(step), "train_config", cfg.toJson());
        Checkpoint.save(model, dir.resolve(CHECKPOINT), modelMeta);
        if (!opt.ema().isEmpty()) {
            TarFlow ema = TarFlow.create(cfg.model(), backend, 0);
            for (Map.Entry<String, Tensor> e : opt.ema().entrySet()) {
                ema.parameters().get(e.getKey()).set(e.getValue());
            }
            Checkpoint.save(ema, dir.resolve(CHECKPOINT_EMA), modelMeta);
        }
    }

    private static SafeTensors.Entry entry(Tensor t) {
        return new SafeTensors.Entry(t.shape(), t.toFloatArray());
    }

    /** Loads parameters, moments, EMA and counters from the trainer state; returns its metadata. */
    private Map<String, String> restore(TarFlow model, AdamW opt) throws IOException {
        Path f = dir.resolve(STATE);
        if (!Files.exists(f)) {
            throw new IOException("cannot resume: " + f + " does not exist (no checkpoint was written yet)");
        }
        SafeTensors.Contents c = SafeTensors.read(f);
        String saved = c.metadata().get("train_config");
        if (saved != null) {
            TrainConfig savedCfg = TrainConfig.fromJson(saved);
            if (!savedCfg.model().equals(cfg.model())) {
                throw new IOException("cannot resume: the trainer state holds model " + savedCfg.model().toJson()
                        + ", the run is configured for " + cfg.model().toJson());
            }
            if (cfg.steps() == 0 && savedCfg.steps() > 0) {
                cfg = cfg.withSteps(savedCfg.steps());
            }
        }
        load(c, "param/", model.parameters(), f);
        load(c, "adam_m/", opt.firstMoments(), f);
        load(c, "adam_v/", opt.secondMoments(), f);
        if (!opt.ema().isEmpty()) {
            load(c, "ema/", opt.ema(), f);
        }
        opt.restoreCounters(Long.parseLong(c.metadata().get("optimizer_steps")),
                Long.parseLong(c.metadata().get("skipped")));
        return c.metadata();
    }

    private static void load(SafeTensors.Contents c, String prefix, Map<String, Tensor> into, Path f) throws IOException {
        for (Map.Entry<String, Tensor> e : into.entrySet()) {
            SafeTensors.Entry s = c.tensors().get(prefix + e.getKey());
            if (s == null) {
                throw new IOException("trainer state " + f + " lacks '" + prefix + e.getKey() + "'");
            }
            if (!java.util.Arrays.equals(s.shape(), e.getValue().shape())) {
                throw new IOException("trainer state " + f + ": '" + prefix + e.getKey() + "' has shape "
                        + java.util.Arrays.toString(s.shape()) + ", expected " + java.util.Arrays.toString(e.getValue().shape()));
            }
            e.getValue().set(s.values());
        }
    }

    /** A grid of samples from fixed noise: one row per class for conditional models (guidance 1, denoised). */
    void sampleGrid(TarFlow model, Path png) throws IOException {
        ModelConfig m = model.config();
        int rows = m.conditional() ? Math.min(m.numClasses(), 10) : 8;
        int cols = m.conditional() ? 10 : 8;
        int n = rows * cols;
        int[] labels = null;
        if (m.conditional()) {
            labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = i / cols;
            }
        }
        try (MemoryScope scope = MemoryScope.open()) {
            Sampler sampler = new Sampler(model);
            Sampler.Guidance g = m.conditional() ? new Sampler.Guidance(1.0, false, 1.0) : Sampler.Guidance.NONE;
            Tensor images = sampler.sample(n, 1234, labels, g, 2).images();
            if (cfg.noise() == Batches.Noise.GAUSSIAN && cfg.noiseStd() > 0) {
                images = new Denoiser(model).denoise(images, labels, cfg.noiseStd());
            }
            float[] px;
            try (GradMode.Off off = GradMode.off()) {
                px = images.toFloatArray();
            }
            ImageGrid.write(png, px, n, m.inChannels(), m.imgSize(), m.imgSize(), cols);
        }
    }
}
