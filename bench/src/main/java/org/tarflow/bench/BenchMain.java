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
import org.tarflow.tensor.GemmSpec;

/**
 * Runs the JMH benchmarks and prints GEMM results as GFLOP/s beside this machine's peak. Arguments are JMH's own
 * (a benchmark regex, {@code -p threads=1}, {@code -f 0} ...); with none it runs every GEMM benchmark.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/tarflow.jar org.tarflow.bench.BenchMain [JMH options]</pre>
 */
public final class BenchMain {
    /** FP32 peak of one Zen 5 core here: 2 × 512-bit FMA per cycle × 3.5 GHz (see DESIGN.md). */
    static final double PEAK_PER_CORE = 224.0;

    private BenchMain() {
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        Options cli = new CommandLineOptions(args);
        OptionsBuilder builder = new OptionsBuilder();
        builder.parent(cli);
        if (cli.getIncludes().isEmpty()) {
            builder.include(GemmBenchmark.class.getName().replace("$", "\\$") + ".*");
        }
        Collection<RunResult> results = new Runner(builder.build()).run();
        List<String> lines = new ArrayList<>();
        for (RunResult r : results) {
            String shape = r.getParams().getParam("shape");
            if (shape == null || !r.getParams().getBenchmark().contains("Gemm")) {
                continue;
            }
            String threadsParam = r.getParams().getParam("threads");
            int threads = threadsParam == null ? 1 : Integer.parseInt(threadsParam);
            GemmSpec spec = GemmBenchmark.parse(shape);
            double ms = r.getPrimaryResult().getScore();
            double err = r.getPrimaryResult().getScoreError();
            double gflops = spec.flops() / (ms * 1e-3) / 1e9;
            String backend = r.getParams().getBenchmark().contains("Reference") ? "reference" : "cpu";
            lines.add(String.format(Locale.ROOT, "%-10s %-28s %7d %10.3f ± %-8.3f %8.1f %7.0f%%", backend, shape, threads,
                    ms, err, gflops, 100 * gflops / (PEAK_PER_CORE * threads)));
        }
        if (!lines.isEmpty()) {
            System.out.println();
            System.out.printf(Locale.ROOT, "%-10s %-28s %7s %21s %8s %8s%n", "backend", "shape (m x n x k)", "threads",
                    "ms/op", "GFLOP/s", "of peak");
            lines.forEach(System.out::println);
            System.out.printf(Locale.ROOT, "peak assumed: %.0f GFLOP/s per core (FP32, 2x512-bit FMA, 3.5 GHz)%n",
                    PEAK_PER_CORE);
        }
    }
}
