package org.tarflow.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.GemmSpec;

/**
 * Runs the JMH benchmarks and prints the results as GFLOP/s or GB/s beside this machine's peaks. Arguments are
 * JMH's own (a benchmark regex, {@code -p threads=1}, {@code -f 0} ...). With no regex it runs the GEMM and kernel
 * benchmarks; without {@code -p backend=...} the kernels run on every available backend but the reference.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/tarflow.jar org.tarflow.bench.BenchMain [JMH options]</pre>
 */
public final class BenchMain {
    /** FP32 peak of one Zen 5 core here: 2 × 512-bit FMA per cycle × 3.5 GHz (see DESIGN.md). */
    static final double PEAK_PER_CORE = 224.0;
    /** DRAM bandwidth measured per core on this machine class (see DESIGN.md). */
    static final double DRAM_PER_CORE = 36.0;

    private BenchMain() {
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        Options cli = new CommandLineOptions(args);
        OptionsBuilder builder = new OptionsBuilder();
        builder.parent(cli);
        if (cli.getIncludes().isEmpty()) {
            builder.include(GemmBenchmark.class.getName().replace("$", "\\$") + ".*");
            builder.include(KernelBenchmark.class.getName() + ".*");
        }
        if (!cli.getParameter("backend").hasValue()) {
            List<String> names = new ArrayList<>(Backends.available());
            names.remove("reference");
            builder.param("backend", names.toArray(String[]::new));
        }
        int threads = Runtime.getRuntime().availableProcessors();
        double speedBefore = MachineSpeed.fmaGflopsPerThread(threads, 300);
        Collection<RunResult> results = new Runner(builder.build()).run();
        double speedAfter = MachineSpeed.fmaGflopsPerThread(threads, 300);
        List<String> lines = new ArrayList<>();
        for (RunResult r : results) {
            String bench = r.getParams().getBenchmark();
            double ms = r.getPrimaryResult().getScore();
            double err = r.getPrimaryResult().getScoreError();
            String what;
            String backend;
            int th;
            double flops;
            double bytes;
            if (bench.contains("Gemm")) {
                String shape = r.getParams().getParam("shape");
                String t = r.getParams().getParam("threads");
                th = t == null ? 1 : Integer.parseInt(t);
                backend = bench.contains("Reference") ? "reference" : "cpu";
                what = "gemm " + shape;
                flops = GemmBenchmark.parse(shape).flops();
                bytes = 0;
            } else {
                String kernel = r.getParams().getParam("kernel");
                backend = r.getParams().getParam("backend");
                th = backend.equals("cpu") ? threads : 0;
                what = kernel;
                double[] w = KernelBenchmark.work(kernel);
                flops = w[0];
                bytes = w[1];
            }
            String rate;
            if (flops > 0) {
                double g = flops / (ms * 1e-3) / 1e9;
                rate = String.format(Locale.ROOT, "%8.1f GFLOP/s%s", g, th > 0
                        ? String.format(Locale.ROOT, " (%3.0f%% of %.0f)", 100 * g / (PEAK_PER_CORE * th), PEAK_PER_CORE * th)
                        : "");
            } else if (bytes > 0) {
                double g = bytes / (ms * 1e-3) / 1e9;
                rate = String.format(Locale.ROOT, "%8.1f GB/s%s", g, th > 0
                        ? String.format(Locale.ROOT, "    (%3.0f%% of %.0f)", 100 * g / (DRAM_PER_CORE * th), DRAM_PER_CORE * th)
                        : "");
            } else {
                rate = "";
            }
            lines.add(String.format(Locale.ROOT, "%-10s %-32s %7s %10.3f ± %-8.3f %s", backend, what,
                    th > 0 ? Integer.toString(th) : "-", ms, err, rate));
        }
        if (!lines.isEmpty()) {
            System.out.println();
            System.out.printf(Locale.ROOT, "%-10s %-32s %7s %21s %s%n", "backend", "benchmark", "threads", "ms/op",
                    "rate (share of this machine's peak)");
            lines.forEach(System.out::println);
            System.out.printf(Locale.ROOT, "peaks assumed: %.0f GFLOP/s FP32 and %.0f GB/s DRAM per core (DESIGN.md);"
                    + " none for OpenCL devices%n", PEAK_PER_CORE, DRAM_PER_CORE);
            System.out.printf(Locale.ROOT, "cores now: %.0f GFLOP/s FP32 FMA per core before the benchmarks, %.0f after"
                    + " (%d threads at once, operands in registers: the machine's current speed on a shared host)%n",
                    speedBefore, speedAfter, threads);
        }
        System.out.println("backends available here: " + String.join(", ", Backends.available()));
    }
}
