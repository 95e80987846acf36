package org.tarflow.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.tarflow.cpu.CpuBackend;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.GemmSpec;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.reference.ReferenceBackend;

/**
 * GEMM throughput of the CPU backend on square matrices, on the Transformer shapes of the MNIST recipe (batch
 * 256 × 49 tokens = 12,544 rows, width 128) and on those of bench config A (batch 32 × 63 tokens = 2,016 rows,
 * width 256), one and two threads. {@link BenchMain} turns the times into
 * GFLOP/s. The reference backend runs as {@link Reference} on a small square for contrast.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// The same B every call: the CPU backend would keep it packed (PackedWeights) and skip the packing, which a
// training step, whose weights change between products, always pays. Measured with packing, as in training.
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dtarflow.cpu.packedWeightsMiB=0"})
public class GemmBenchmark {
    /** name:m×n×k[:tA][:tB]. */
    @Param({"square:256x256x256", "square:512x512x512", "square:1024x1024x1024", "square:2048x2048x2048",
            "qkv:12544x384x128:tB", "proj:12544x128x128:tB", "mlp1:12544x512x128:tB", "mlp2:12544x128x512:tB",
            "mlp1.dX:12544x128x512", "mlp1.dW:512x128x12544:tA",
            "A.qkv:2016x768x256:tB", "A.mlp1:2016x1024x256:tB", "A.mlp2:2016x256x1024:tB", "A.mlp2.dX:2016x1024x256",
            "A.mlp1.dW:1024x256x2016:tA", "A.mlp2.dW:256x1024x2016:tA"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private Backend backend;
    private GemmSpec spec;
    private Tensor a;
    private Tensor b;
    private Tensor c;

    /** Parses a shape parameter into a spec. */
    public static GemmSpec parse(String shape) {
        String[] parts = shape.split(":");
        String[] mnk = parts[1].split("x");
        boolean ta = false;
        boolean tb = false;
        for (int i = 2; i < parts.length; i++) {
            ta |= parts[i].equals("tA");
            tb |= parts[i].equals("tB");
        }
        return GemmSpec.of(Integer.parseInt(mnk[0]), Integer.parseInt(mnk[1]), Integer.parseInt(mnk[2]), ta, tb);
    }

    static Tensor random(Backend be, Random rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        try (MemoryScope u = MemoryScope.unmanaged()) {
            return Tensor.of(be, v, n);
        }
    }

    @Setup
    public void setup() {
        backend = new CpuBackend(threads, true);
        spec = parse(shape);
        Random rng = new Random(1);
        a = random(backend, rng, spec.m() * spec.k());
        b = random(backend, rng, spec.k() * spec.n());
        c = random(backend, rng, spec.m() * spec.n());
    }

    @Benchmark
    public Tensor gemm() {
        backend.gemm(spec, a, b, null, c);
        return c;
    }

    /** The float64 reference backend on a 256 square: the contrast, not a target. */
    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 1, time = 2)
    @Measurement(iterations = 3, time = 2)
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
    public static class Reference {
        @Param({"square:256x256x256"})
        public String shape;

        private Backend backend;
        private GemmSpec spec;
        private Tensor a;
        private Tensor b;
        private Tensor c;

        @Setup
        public void setup() {
            backend = new ReferenceBackend();
            spec = parse(shape);
            Random rng = new Random(1);
            a = random(backend, rng, spec.m() * spec.k());
            b = random(backend, rng, spec.k() * spec.n());
            c = random(backend, rng, spec.m() * spec.n());
        }

        @Benchmark
        public Tensor gemm() {
            backend.gemm(spec, a, b, null, c);
            return c;
        }
    }
}
