package org.tarflow.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.tarflow.flow.ModelConfig;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.ProfilingBackend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", sortOptions = false, usageHelpAutoWidth = true,
        description = {"End-to-end speed of each backend on the same work: forward NLL (fwd), a training step with"
            + " AdamW (train), sampling a batch without and with guidance (sample, sample_cfg) and one denoising step"
            + " (denoise). Median (min-max) over repetitions after warm-up, peak memory, and ratios between backends;"
            + " beside each phase, what the cores delivered around it (FP32 FMA with operands in registers), since on"
            + " a shared host the machine's speed moves the times.",
            "Configs: B = 28x28x1, patch 4, width 128, 4x2 layers, batch 64; A = 32x32x3, patch 4, width 256,"
                + " 4x2 layers, batch 32; or a model JSON file (batch 32).", ""})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--backend", defaultValue = "all", paramLabel = "all|NAME[,NAME...]",
            description = "Backends to run (default: every available one except the slow reference).")
    String backend;

    @Option(names = "--config", defaultValue = "B", paramLabel = "B|A|FILE", description = "Workload (default: ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--phases", defaultValue = "fwd,train,sample,sample_cfg,denoise", split = ",", paramLabel = "P,...",
            description = "Phases to run (default: all).")
    List<String> phases;

    @Option(names = "--warmup", defaultValue = "5", paramLabel = "N", description = "Untimed repetitions first.")
    int warmup;

    @Option(names = "--warmup-seconds", defaultValue = "3", paramLabel = "S",
            description = "Keep warming up each phase for at least this long and then until the JIT has compiled "
                    + "nothing for two repetitions (at most " + EndToEndBench.Warmup.MAX_EXTRA_SECONDS + " s more), "
                    + "so that kernels called only a few times per repetition are compiled before timing starts; "
                    + "0 turns both off (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--reps", defaultValue = "10", paramLabel = "N", description = "Timed repetitions.")
    int reps;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for the CPU backend (default: all cores).")
    Integer threads;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Option(names = "--baseline", paramLabel = "FILE",
            description = "Also print each median's ratio to the one of the same config and phase in FILE, a JSON "
                    + "list as --json writes (scripts/torch-baseline.sh --json writes PyTorch's), measured on this "
                    + "machine, best in the same minutes.")
    Path baselineFile;

    @Option(names = "--profile", description = "Also print, per phase, where the time went kernel by kernel.")
    boolean profile;

    @Option(names = "--interleave", description = "With several backends: time them repetition by repetition in "
            + "turn within each phase instead of one after the other, so that the machine's drift during the run "
            + "falls on all of them and the ratios between them hold (peak memory then covers all of them).")
    boolean interleave;

    @Override
    public Integer call() throws Exception {
        if (reps < 1 || warmup < 0 || !(warmupSeconds >= 0)) {
            throw new IllegalArgumentException("--reps must be >= 1, --warmup and --warmup-seconds >= 0");
        }
        EndToEndBench.Warmup warm = new EndToEndBench.Warmup(warmup, warmupSeconds);
        // read before anything runs, so that a bad file costs no benchmark
        Baseline baseline = baselineFile == null ? null : Baseline.read(baselineFile);
        if (threads != null) {
            System.setProperty("tarflow.threads", Integer.toString(threads));
        }
        EndToEndBench.Workload w = switch (config) {
            case "B" -> EndToEndBench.B;
            case "A" -> EndToEndBench.A;
            default -> new EndToEndBench.Workload(Path.of(config).getFileName().toString(),
                    ModelConfig.fromJson(Files.readString(Path.of(config))), 32);
        };
        List<String> names = new ArrayList<>();
        if (backend.equals("all")) {
            for (String n : Backends.available()) {
                if (!n.equals("reference")) {
                    names.add(n);
                }
            }
        } else {
            names.addAll(Arrays.asList(backend.split(",")));
        }
        List<Backend> backends = new ArrayList<>();
        for (String n : names) {
            Backend be = Backends.get(n);
            System.err.println("bench " + w.name() + " on " + be.description());
            backends.add(be);
        }
        List<EndToEndBench.Row> rows = new ArrayList<>();
        if (profile) {
            for (String phase : phases) {
                List<ProfilingBackend> profiled = new ArrayList<>();
                for (Backend be : backends) {
                    profiled.add(new ProfilingBackend(be, true));
                }
                rows.addAll(EndToEndBench.run(w, new ArrayList<>(profiled), List.of(phase), warm, reps, interleave,
                        System.err::println));
                for (ProfilingBackend pb : profiled) {
                    System.err.println("kernels of " + phase + " on " + pb.name() + " over the " + reps
                            + " timed repetitions:");
                    System.err.println(pb.report());
                }
            }
        } else {
            rows.addAll(EndToEndBench.run(w, backends, phases, warm, reps, interleave, System.err::println));
        }
        System.out.print(EndToEndBench.table(rows, baseline));
        if (json != null) {
            EndToEndBench.writeJson(rows, json);
            System.out.println("wrote " + json);
        }
        return 0;
    }
}
