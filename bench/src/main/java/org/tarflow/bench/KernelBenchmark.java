package org.tarflow.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.tarflow.tensor.AdamWStep;
import org.tarflow.tensor.AttentionSpec;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.GemmSpec;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.UnaryOp;

/**
 * The kernels of a TarFlow training step and of a sampling step, on every backend, at the shapes of config B
 * (batch 64 × 49 tokens = 3,136 rows, width 128, heads of 64). {@link BenchMain} turns the times into GFLOP/s or GB/s
 * with {@link #work}.
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
public class KernelBenchmark {
    @Param({"cpu", "opencl"})
    public String backend;

    @Param({"gemm.qkv", "gemm.mlp2", "gemm.dW", "attention", "attentionBwd", "layerNorm", "layerNormBwd", "gelu",
            "geluBwd", "adamw", "causalAffine", "decodeStep"})
    public String kernel;

    static final int ROWS = 3136;
    static final int C = 128;
    static final int B = 64;
    static final int T = 49;

    private Backend be;
    private Runnable op;
    private MemoryScope scope;

    /** What one call moves or computes: {flops, bytes}; a zero means "not counted". */
    public static double[] work(String kernel) {
        AttentionSpec att = new AttentionSpec(B, T, 2, 64, 0.125, true);
        return switch (kernel) {
            case "gemm.qkv" -> new double[] {GemmSpec.of(ROWS, 3 * C, C, false, true).flops(), 0};
            case "gemm.mlp2" -> new double[] {GemmSpec.of(ROWS, C, 4 * C, false, true).flops(), 0};
            case "gemm.dW" -> new double[] {GemmSpec.of(4 * C, C, ROWS, true, false).flops(), 0};
            case "attention" -> new double[] {att.flops(), 0};
            case "attentionBwd" -> new double[] {2.0 * att.flops(), 0};
            case "layerNorm" -> new double[] {0, 2.0 * 4 * ROWS * C};
            case "layerNormBwd" -> new double[] {0, 3.0 * 4 * ROWS * C};
            case "gelu" -> new double[] {0, 2.0 * 4 * ROWS * 4 * C};
            case "geluBwd" -> new double[] {0, 3.0 * 4 * ROWS * 4 * C};
            case "adamw" -> new double[] {0, 7.0 * 4 * ADAM_N};
            case "causalAffine" -> new double[] {0, 4.0 * 4 * B * T * 16};
            case "decodeStep" -> new double[] {2.0 * B * (C * 3 * C + C * C + 2 * C * 4 * C), 0};
            default -> new double[] {0, 0};
        };
    }

    static final int ADAM_N = 1_636_480;

    private Tensor random(Random rng, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.5 * rng.nextGaussian());
        }
        return Tensor.of(be, v, shape);
    }

    @Setup(Level.Trial)
    public void setup() {
        be = Backends.get(backend);
        scope = MemoryScope.open();
        Random rng = new Random(1);
        switch (kernel) {
            case "gemm.qkv" -> op = gemm(rng, GemmSpec.of(ROWS, 3 * C, C, false, true));
            case "gemm.mlp2" -> op = gemm(rng, GemmSpec.of(ROWS, C, 4 * C, false, true));
            case "gemm.dW" -> op = gemm(rng, GemmSpec.of(4 * C, C, ROWS, true, false));
            case "attention" -> {
                AttentionSpec s = new AttentionSpec(B, T, 2, 64, 0.125, true);
                Tensor qkv = random(rng, B, T, 3 * C);
                Tensor out = Tensor.empty(be, B, T, C);
                Tensor lse = Tensor.empty(be, B, 2, T);
                op = () -> be.attention(s, qkv, out, lse);
            }
            case "attentionBwd" -> {
                AttentionSpec s = new AttentionSpec(B, T, 2, 64, 0.125, true);
                Tensor qkv = random(rng, B, T, 3 * C);
                Tensor out = Tensor.empty(be, B, T, C);
                Tensor lse = Tensor.empty(be, B, 2, T);
                be.attention(s, qkv, out, lse);
                Tensor g = random(rng, B, T, C);
                Tensor gq = Tensor.empty(be, B, T, 3 * C);
                op = () -> be.attentionBackward(s, qkv, out, lse, g, gq);
            }
            case "layerNorm" -> {
                Tensor x = random(rng, ROWS, C);
                Tensor g = random(rng, C);
                Tensor y = Tensor.empty(be, ROWS, C);
                Tensor m = Tensor.empty(be, ROWS);
                Tensor r = Tensor.empty(be, ROWS);
                op = () -> be.layerNorm(x, g, g, 1e-5, ROWS, C, y, m, r);
            }
            case "layerNormBwd" -> {
                Tensor x = random(rng, ROWS, C);
                Tensor g = random(rng, C);
                Tensor y = Tensor.empty(be, ROWS, C);
                Tensor m = Tensor.empty(be, ROWS);
                Tensor r = Tensor.empty(be, ROWS);
                be.layerNorm(x, g, g, 1e-5, ROWS, C, y, m, r);
                Tensor gy = random(rng, ROWS, C);
                Tensor gx = Tensor.empty(be, ROWS, C);
                Tensor gg = Tensor.zeros(be, C);
                Tensor gb = Tensor.zeros(be, C);
                op = () -> be.layerNormBackward(x, g, m, r, gy, ROWS, C, gx, gg, gb);
            }
            case "gelu" -> {
                Tensor x = random(rng, ROWS, 4 * C);
                Tensor y = Tensor.empty(be, ROWS, 4 * C);
                op = () -> be.unary(UnaryOp.GELU, x, y);
            }
            case "geluBwd" -> {
                Tensor x = random(rng, ROWS, 4 * C);
                Tensor y = Tensor.empty(be, ROWS, 4 * C);
                Tensor gy = random(rng, ROWS, 4 * C);
                Tensor gx = Tensor.empty(be, ROWS, 4 * C);
                op = () -> be.unaryBackward(UnaryOp.GELU, x, y, gy, gx, false);
            }
            case "adamw" -> {
                Tensor p = random(rng, ADAM_N);
                Tensor g = random(rng, ADAM_N);
                Tensor m = Tensor.zeros(be, ADAM_N);
                Tensor v = Tensor.zeros(be, ADAM_N);
                AdamWStep st = new AdamWStep(1e-4, 0.9, 0.95, 1e-8, 1e-4, 10, 1.0);
                op = () -> be.adamw(st, p, g, m, v);
            }
            case "causalAffine" -> {
                Tensor x = random(rng, B, T, 16);
                Tensor p = random(rng, B, T, 32);
                Tensor z = Tensor.empty(be, B, T, 16);
                op = () -> be.causalAffine(x, p, B, T, 16, true, z);
            }
            case "decodeStep" -> op = decodeStep(rng);
            default -> throw new IllegalArgumentException(kernel);
        }
    }

    private Runnable gemm(Random rng, GemmSpec s) {
        Tensor a = random(rng, s.m() * s.k());
        Tensor b = random(rng, s.k() * s.n());
        Tensor c = Tensor.empty(be, s.m() * s.n());
        return () -> be.gemm(s, a, b, null, c);
    }

    /** One Transformer layer for one token of 64 sequences: LayerNorms, four products, cached attention, GELU. */
    private Runnable decodeStep(Random rng) {
        Tensor h = random(rng, B, C);
        Tensor wqkv = random(rng, 3 * C, C);
        Tensor wo = random(rng, C, C);
        Tensor w1 = random(rng, 4 * C, C);
        Tensor w2 = random(rng, C, 4 * C);
        Tensor g = random(rng, C);
        Tensor kc = random(rng, B, T, C);
        Tensor vc = random(rng, B, T, C);
        return () -> {
            try (MemoryScope s = MemoryScope.open()) {
                Tensor q = Tensor.linear(h.layerNorm(g, g, 1e-5), wqkv, null);
                Tensor a = Tensor.attentionDecode(q, kc, vc, 24, 2, 64, null);
                Tensor h2 = h.add(Tensor.linear(a, wo, null));
                h2.add(Tensor.linear(Tensor.linear(h2.layerNorm(g, g, 1e-5), w1, null).gelu(), w2, null));
            }
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scope.close();
    }

    @Benchmark
    public void run() {
        op.run();
        be.synchronize();
    }
}
