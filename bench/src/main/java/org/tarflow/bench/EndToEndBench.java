package org.tarflow.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.tarflow.flow.Denoiser;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.Sampler;
import org.tarflow.flow.TarFlow;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;
import org.tarflow.train.optim.AdamW;

/**
 * The same TarFlow work on each backend: forward NLL, a training step (forward, backward, AdamW), sampling a batch
 * with and without guidance, and one denoising step. Each phase is timed after warm-up repetitions, as median and
 * range, with the process's peak resident memory.
 */
public final class EndToEndBench {
    /** A benchmark workload: a model config and a batch size. */
    public record Workload(String name, ModelConfig model, int batch) {
    }

    /**
     * Untimed repetitions before the timed ones: at least {@code reps} of them and at least {@code seconds} long,
     * then (when seconds &gt; 0) more until two in a row ran without JIT compilation, for at most
     * {@link #MAX_EXTRA_SECONDS}. A rep count or a fixed time alone left kernels that run once per repetition (the
     * loss's square, the mean's backward) interpreted in config A's training step: 3 s are 7 repetitions there, and
     * those kernels then took 16 ms of a 430 ms step (0.6 ms after 15 s).
     */
    public record Warmup(int reps, double seconds) {
        public static final int MAX_EXTRA_SECONDS = 30;

        /** Whether the warm-up that started at {@code start} with {@code done} repetitions goes on. */
        boolean goesOn(int done, long start, long now, int quietReps) {
            if (done < reps || now - start < seconds * 1e9) {
                return true;
            }
            return seconds > 0 && quietReps < 2 && now - start < (seconds + MAX_EXTRA_SECONDS) * 1e9;
        }
    }

    /** Total JIT compilation time so far in ms, or -1 where the JVM does not report it. */
    private static long jitMillis() {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    /**
     * One measured phase. coreGflops: {@link MachineSpeed}'s FMA rate per core on as many threads as the backend
     * uses, the mean of one probe right before the timed repetitions and one right after.
     */
    public record Row(String backend, String config, String phase, int batch, int threads, double medianMs,
                      double minMs, double maxMs, double peakRssMib, double coreGflops) {
    }

    /** How long each machine-speed probe beside a phase runs. */
    static final long SPEED_PROBE_MILLIS = 100;

    /** Config B: 28×28×1, patch 4, width 128, 4 blocks × 2 layers, batch 64 (1,636,480 parameters). */
    public static final Workload B = new Workload("B", ModelConfig.of(1, 28, 4, 128, 4, 2, 0), 64);
    /** Config A: 32×32×3, patch 4, width 256, 4 blocks × 2 layers, batch 32 (6,532,480 parameters). */
    public static final Workload A = new Workload("A", ModelConfig.of(3, 32, 4, 256, 4, 2, 0), 32);

    public static final List<String> PHASES = List.of("fwd", "train", "sample", "sample_cfg", "denoise");

    /**
     * The reference PyTorch TarFlow on this kind of machine (torch 1.13, OpenBLAS AVX-512, 2 threads, tuned
     * allocator), median ms as given in the project's benchmark issue; they drift by ±30% between runs.
     */
    static double pytorchMs(String config, String phase) {
        return switch (config + "/" + phase) {
            case "B/fwd" -> 97;
            case "B/train" -> 287;
            case "B/sample" -> 649;
            case "B/denoise" -> 235;
            case "A/fwd" -> 136;
            case "A/train" -> 412;
            case "A/sample" -> 760;
            case "A/denoise" -> 313;
            default -> Double.NaN;
        };
    }

    private EndToEndBench() {
    }

    /** A model with every weight random (proj_out too, so that no block is the identity), seeded. */
    static TarFlow model(Workload w, Backend be) {
        TarFlow m = TarFlow.create(w.model(), be, 7);
        Random rng = new Random(8);
        for (var e : m.parameters().entrySet()) {
            if (e.getKey().contains("proj_out")) {
                float[] v = new float[e.getValue().size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (0.02 * rng.nextGaussian());
                }
                e.getValue().set(v);
            }
        }
        return m;
    }

    static Tensor images(Workload w, Backend be, long seed) {
        Random rng = new Random(seed);
        ModelConfig c = w.model();
        float[] x = new float[w.batch() * c.dataDim()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.max(-1, Math.min(1, 0.5 * rng.nextGaussian()));
        }
        return Tensor.of(be, x, w.batch(), c.inChannels(), c.imgSize(), c.imgSize());
    }

    /** One backend's model, optimiser, sampler, denoiser and input batch: what every phase runs on. */
    private static final class Session {
        final Backend be;
        final TarFlow m;
        final AdamW opt;
        final Sampler sampler;
        final Denoiser denoiser;
        final Tensor x;
        final Workload w;

        Session(Workload w, Backend be) {
            this.w = w;
            this.be = be;
            this.m = model(w, be);
            this.opt = new AdamW(m.parameters(), AdamW.Settings.RECIPE);
            this.sampler = new Sampler(m);
            this.denoiser = new Denoiser(m);
            try (MemoryScope u = MemoryScope.unmanaged()) {
                this.x = images(w, be, 1);
            }
        }

        /** One repetition of a phase; an unknown phase is an IllegalArgumentException. */
        Runnable body(String phase) {
            return switch (phase) {
                case "fwd" -> () -> {
                    try (GradMode.Off off = GradMode.off()) {
                        m.forward(x, null).nllPerSample().toFloatArray();
                    }
                };
                case "train" -> () -> {
                    Tensor loss = m.loss(x, null);
                    opt.zeroGrad();
                    loss.backward();
                    opt.step(1e-4);
                    be.synchronize();
                };
                case "sample" -> () -> sampler.reverse(sampler.drawNoise(w.batch(), new Random(3)), null,
                        Sampler.Guidance.NONE).toFloatArray();
                case "sample_cfg" -> () -> sampler.reverse(sampler.drawNoise(w.batch(), new Random(3)), null,
                        new Sampler.Guidance(1.0, false, 1.3)).toFloatArray();
                case "denoise" -> () -> denoiser.denoise(x, null, 0.1).toFloatArray();
                default -> throw unknownPhase(phase);
            };
        }

        /** Warm-up repetitions (see {@link Warmup}). */
        void warmUp(Runnable body, Warmup warmup) {
            long start = System.nanoTime();
            int quiet = 0;
            for (int i = 0; warmup.goesOn(i, start, System.nanoTime(), quiet); i++) {
                long jitBefore = jitMillis();
                time(body);
                quiet = jitBefore < 0 || jitMillis() == jitBefore ? quiet + 1 : 0;
            }
        }
    }

    private static IllegalArgumentException unknownPhase(String phase) {
        return new IllegalArgumentException("unknown phase '" + phase + "'; phases: " + PHASES);
    }

    /** One repetition in a memory scope of its own, in ms. */
    private static double time(Runnable body) {
        long t0 = System.nanoTime();
        try (MemoryScope s = MemoryScope.open()) {
            body.run();
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    /**
     * Runs every phase on each backend. Without {@code interleave}, one backend after the other, each phase's
     * repetitions in a row, and each phase's peak memory is that backend's. With it, each phase warms every backend
     * up and then times them repetition by repetition in turn (the order rotating from one repetition to the next),
     * so that a machine that slows down or speeds up during the run weighs on every backend alike and the ratios
     * between them hold; the peak memory of a phase then covers all the backends together.
     */
    public static List<Row> run(Workload w, List<Backend> backends, List<String> phases, Warmup warmup, int reps,
                                boolean interleave, java.util.function.Consumer<String> log) {
        for (String phase : phases) {
            if (!PHASES.contains(phase)) {
                throw unknownPhase(phase);
            }
        }
        List<Row> rows = new ArrayList<>();
        if (!interleave) {
            for (Backend be : backends) {
                Session session = new Session(w, be);
                for (String phase : phases) {
                    rows.addAll(measure(List.of(session), phase, warmup, reps, log));
                }
            }
            return rows;
        }
        List<Session> sessions = new ArrayList<>();
        for (Backend be : backends) {
            sessions.add(new Session(w, be));
        }
        for (String phase : phases) {
            rows.addAll(measure(sessions, phase, warmup, reps, log));
        }
        return rows;
    }

    /**
     * ms[b][i]: repetition i of body b, the bodies taking turns within each repetition, starting from body i mod n
     * (with two: 0 1, 1 0, 0 1, ...), so that neither always runs right after the other.
     */
    static double[][] timeInTurn(Runnable[] bodies, int reps) {
        int n = bodies.length;
        double[][] ms = new double[n][reps];
        for (int i = 0; i < reps; i++) {
            for (int j = 0; j < n; j++) {
                int b = (i + j) % n;
                ms[b][i] = time(bodies[b]);
            }
        }
        return ms;
    }

    /** One phase on the sessions' backends, repetitions alternating between them when there are several. */
    private static List<Row> measure(List<Session> sessions, String phase, Warmup warmup, int reps,
                                     java.util.function.Consumer<String> log) {
        int n = sessions.size();
        Runnable[] bodies = new Runnable[n];
        for (int b = 0; b < n; b++) {
            Session s = sessions.get(b);
            bodies[b] = s.body(phase);
            s.warmUp(bodies[b], warmup);
            if (s.be instanceof org.tarflow.tensor.ProfilingBackend pb) {
                pb.reset(); // profile the timed repetitions only
            }
        }
        int probeThreads = 1;
        for (Session s : sessions) {
            probeThreads = Math.max(probeThreads, s.be.threads());
        }
        double speedBefore = MachineSpeed.fmaGflopsPerThread(probeThreads, SPEED_PROBE_MILLIS);
        resetPeakRss();
        double[][] ms = timeInTurn(bodies, reps);
        double peakRss = peakRssMib();
        double speed = 0.5 * (speedBefore + MachineSpeed.fmaGflopsPerThread(probeThreads, SPEED_PROBE_MILLIS));
        List<Row> rows = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            Session s = sessions.get(b);
            double[] sorted = ms[b].clone();
            Arrays.sort(sorted);
            double median = reps % 2 == 1 ? sorted[reps / 2] : 0.5 * (sorted[reps / 2 - 1] + sorted[reps / 2]);
            Row r = new Row(s.be.name(), s.w.name(), phase, s.w.batch(), s.be.threads(), median, sorted[0],
                    sorted[reps - 1], peakRss, speed);
            rows.add(r);
            log.accept(String.format(Locale.ROOT, "  %-9s %-10s %-10s %9.1f ms  (%.1f-%.1f)  cores now: %d x %.0f GFLOP/s",
                    s.be.name(), s.w.name(), phase, median, r.minMs(), r.maxMs(), probeThreads, speed));
        }
        return rows;
    }

    /** Linux: writing 5 to clear_refs resets the peak RSS counter (VmHWM), so each phase reports its own peak. */
    static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | UnsupportedOperationException e) {
            // not Linux, or not permitted: the peak then covers the whole process
        }
    }

    /** VmHWM from /proc/self/status, in MiB; NaN where unavailable. */
    static double peakRssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] p = line.trim().split("\\s+");
                    return Long.parseLong(p[1]) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return Double.NaN;
    }

    /** The results as one table, with the ratio of each backend to the first one and to the PyTorch figures. */
    public static String table(List<Row> rows) {
        return table(rows, null);
    }

    /** {@link #table(List)} with one more column where {@code baseline} is not null: the ratio to its medians. */
    static String table(List<Row> rows, Baseline baseline) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-10s %-6s %-10s %5s %7s %10s %19s %9s %9s %9s %10s", "backend",
                "config", "phase", "batch", "threads", "median ms", "min-max ms", "peak MiB", "vs first", "vs torch",
                "core GF/s"));
        sb.append(baseline == null ? "\n" : String.format(Locale.ROOT, " %9s%n", "vs base"));
        Set<String> baseBackends = new LinkedHashSet<>();
        for (Row r : rows) {
            Row first = rows.stream().filter(o -> o.config().equals(r.config()) && o.phase().equals(r.phase()))
                    .findFirst().orElse(r);
            sb.append(String.format(Locale.ROOT, "%-10s %-6s %-10s %5d %7d %10.1f %19s %9.0f %9s %9s %10.0f",
                    r.backend(), r.config(), r.phase(), r.batch(), r.threads(), r.medianMs(),
                    String.format(Locale.ROOT, "%.1f-%.1f", r.minMs(), r.maxMs()), r.peakRssMib(),
                    ratio(r.medianMs(), first.medianMs()), ratio(r.medianMs(), pytorchMs(r.config(), r.phase())),
                    r.coreGflops()));
            if (baseline != null) {
                Baseline.Entry base = baseline.find(r.config(), r.phase());
                if (base != null) {
                    baseBackends.add(base.backend());
                }
                sb.append(String.format(Locale.ROOT, " %9s", ratio(r.medianMs(), base == null ? Double.NaN
                        : base.medianMs())));
            }
            sb.append('\n');
        }
        sb.append("vs torch: median time over the reference PyTorch TarFlow's on this machine class (torch 1.13,"
                + " OpenBLAS, 2 threads); below 1 is faster.\n");
        if (baseline != null) {
            sb.append(baseBackends.isEmpty()
                    ? "vs base: " + baseline.file() + " has no row for these configs and phases.\n"
                    : "vs base: median time over " + String.join(", ", baseBackends) + "'s in " + baseline.file()
                            + " (same config and phase); below 1 is faster.\n");
        }
        sb.append("core GF/s: what each core delivered around the phase, FP32 FMA with operands in registers (the"
                + " machine's speed, not the library's: it moves the times with it on a shared host).\n");
        return sb.toString();
    }

    /** "0.45x", or "-" where there is nothing to compare with (NaN). */
    private static String ratio(double ms, double over) {
        return Double.isNaN(over) ? "-" : String.format(Locale.ROOT, "%.2fx", ms / over);
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.1f", v);
    }

    /** The results as the JSON list of the benchmark issue, plus each phase's core_fma_gflops (see {@link Row}). */
    public static void writeJson(List<Row> rows, Path file) throws IOException {
        StringBuilder sb = new StringBuilder("[\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            sb.append(String.format(Locale.ROOT, "  {\"backend\": \"%s\", \"config\": \"%s\", \"phase\": \"%s\", "
                            + "\"batch\": %d, \"threads\": %d, \"median_ms\": %.3f, \"min_ms\": %.3f, \"max_ms\": %.3f, "
                            + "\"peak_rss_mib\": %s, \"core_fma_gflops\": %s}%s%n", r.backend(), r.config(), r.phase(),
                    r.batch(), r.threads(), r.medianMs(), r.minMs(), r.maxMs(), number(r.peakRssMib()),
                    number(r.coreGflops()), i + 1 < rows.size() ? "," : ""));
        }
        sb.append("]\n");
        org.tarflow.flow.io.AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
