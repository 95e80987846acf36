package org.tarflow.tensor;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Wraps a backend and times every kernel call (after {@link Backend#synchronize()}), counting calls, seconds and
 * floating-point operations per kernel, so a step can be broken down by op. Costs one clock read per call.
 */
public final class ProfilingBackend implements Backend {
    private final Backend inner;
    private final Map<String, long[]> stats = new TreeMap<>(); // name → {calls, nanos, flops}

    private final boolean detailed;

    public ProfilingBackend(Backend inner) {
        this(inner, false);
    }

    /** With {@code detailed}, matrix products are reported per shape. */
    public ProfilingBackend(Backend inner, boolean detailed) {
        this.inner = inner;
        this.detailed = detailed;
    }

    public Backend inner() {
        return inner;
    }

    private void timed(String name, long flops, Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        inner.synchronize();
        long dt = System.nanoTime() - t0;
        synchronized (stats) {
            long[] s = stats.computeIfAbsent(name, k -> new long[3]);
            s[0]++;
            s[1] += dt;
            s[2] += flops;
        }
    }

    private <T> T timed(String name, Supplier<T> r) {
        long t0 = System.nanoTime();
        T v = r.get();
        long dt = System.nanoTime() - t0;
        synchronized (stats) {
            long[] s = stats.computeIfAbsent(name, k -> new long[3]);
            s[0]++;
            s[1] += dt;
        }
        return v;
    }

    public void reset() {
        synchronized (stats) {
            stats.clear();
        }
    }

    /** A table: kernel, calls, total ms, share, GFLOP/s where counted; sorted by time. */
    public String report() {
        StringBuilder sb = new StringBuilder();
        synchronized (stats) {
            long total = 0;
            for (long[] s : stats.values()) {
                total += s[1];
            }
            sb.append(String.format(Locale.ROOT, "%-28s %8s %10s %7s %9s%n", "kernel", "calls", "ms", "share", "GFLOP/s"));
            final long sum = Math.max(1, total);
            stats.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1])).forEach(e -> {
                long[] s = e.getValue();
                sb.append(String.format(Locale.ROOT, "%-28s %8d %10.2f %6.1f%% %9s%n", e.getKey(), s[0], s[1] / 1e6,
                        100.0 * s[1] / sum, s[2] > 0 ? String.format(Locale.ROOT, "%.1f", s[2] / (double) s[1]) : ""));
            });
            sb.append(String.format(Locale.ROOT, "%-28s %8s %10.2f%n", "total", "", total / 1e6));
        }
        return sb.toString();
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public String description() {
        return inner.description() + " (profiled)";
    }

    @Override
    public int threads() {
        return inner.threads();
    }

    @Override
    public Storage allocate(int length) {
        return timed("allocate", () -> inner.allocate(length));
    }

    @Override
    public void release(Storage storage) {
        inner.release(storage);
    }

    @Override
    public void trimPool() {
        inner.trimPool();
    }

    @Override
    public long bytesHeld() {
        return inner.bytesHeld();
    }

    @Override
    public long allocationCount() {
        return inner.allocationCount();
    }

    @Override
    public void write(Tensor dst, float[] src, int srcOffset) {
        timed("write", 0, () -> inner.write(dst, src, srcOffset));
    }

    @Override
    public void write(Tensor dst, double[] src, int srcOffset) {
        timed("write", 0, () -> inner.write(dst, src, srcOffset));
    }

    @Override
    public void read(Tensor src, float[] dst, int dstOffset) {
        timed("read", 0, () -> inner.read(src, dst, dstOffset));
    }

    @Override
    public void read(Tensor src, double[] dst, int dstOffset) {
        timed("read", 0, () -> inner.read(src, dst, dstOffset));
    }

    @Override
    public void synchronize() {
        inner.synchronize();
    }

    @Override
    public void fill(Tensor dst, double value) {
        timed("fill", 0, () -> inner.fill(dst, value));
    }

    @Override
    public void copy(Tensor src, int srcOffset, int[] srcStrides, Tensor dst, int dstOffset, int[] dstStrides,
                     int[] shape, boolean accumulate) {
        timed("copy", 0, () -> inner.copy(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape, accumulate));
    }

    @Override
    public void gatherRows(Tensor table, int[] index, int cols, Tensor out) {
        timed("gatherRows", 0, () -> inner.gatherRows(table, index, cols, out));
    }

    @Override
    public void scatterAddRows(Tensor src, int[] index, int cols, Tensor table) {
        timed("scatterAddRows", 0, () -> inner.scatterAddRows(src, index, cols, table));
    }

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor y) {
        timed("unary." + op.name().toLowerCase(Locale.ROOT), 0, () -> inner.unary(op, x, y));
    }

    @Override
    public void unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor gy, Tensor gx, boolean accumulate) {
        timed("unaryBwd." + op.name().toLowerCase(Locale.ROOT), 0,
                () -> inner.unaryBackward(op, x, y, gy, gx, accumulate));
    }

    @Override
    public void affine(Tensor x, double alpha, double beta, Tensor y) {
        timed("affine", 0, () -> inner.affine(x, alpha, beta, y));
    }

    @Override
    public void binary(BinaryOp op, Tensor a, int[] aStrides, Tensor b, int[] bStrides, Tensor out, int[] shape) {
        timed("binary." + op.name().toLowerCase(Locale.ROOT), 0,
                () -> inner.binary(op, a, aStrides, b, bStrides, out, shape));
    }

    @Override
    public void sum(Tensor x, int outer, int reduce, int inner, double scale, Tensor y, boolean accumulate) {
        timed("sum", 0, () -> this.inner.sum(x, outer, reduce, inner, scale, y, accumulate));
    }

    @Override
    public double[] stats(Tensor x) {
        return timed("stats", () -> inner.stats(x));
    }

    @Override
    public void gemm(GemmSpec spec, Tensor a, Tensor b, Tensor bias, Tensor c) {
        String name = detailed ? String.format(Locale.ROOT, "gemm %dx%dx%d%s%s%s", spec.m(), spec.n(), spec.k(),
                spec.transA() ? " tA" : "", spec.transB() ? " tB" : "", spec.batch() > 1 ? " b" + spec.batch() : "")
                : "gemm";
        timed(name, spec.flops(), () -> inner.gemm(spec, a, b, bias, c));
    }

    @Override
    public void linearWeightGradients(Tensor gy, Tensor x, int rows, int out, int in, Tensor gw, Tensor gb) {
        String name = detailed ? String.format(Locale.ROOT, "gemm %dx%dx%d tA +sum", out, in, rows) : "gemm";
        timed(name, GemmSpec.of(out, in, rows, true, false).flops(),
                () -> inner.linearWeightGradients(gy, x, rows, out, in, gw, gb));
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, int rows, int cols, Tensor y, Tensor mean,
                          Tensor rstd) {
        timed("layerNorm", 0, () -> inner.layerNorm(x, gamma, beta, eps, rows, cols, y, mean, rstd));
    }

    @Override
    public void layerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy, int rows, int cols,
                                  Tensor gx, Tensor gGamma, Tensor gBeta) {
        timed("layerNormBwd", 0,
                () -> inner.layerNormBackward(x, gamma, mean, rstd, gy, rows, cols, gx, gGamma, gBeta));
    }

    @Override
    public void softmax(Tensor x, int rows, int cols, Tensor y) {
        timed("softmax", 0, () -> inner.softmax(x, rows, cols, y));
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor gy, int rows, int cols, Tensor gx) {
        timed("softmaxBwd", 0, () -> inner.softmaxBackward(y, gy, rows, cols, gx));
    }

    @Override
    public void attention(AttentionSpec spec, Tensor qkv, Tensor out, Tensor lse) {
        timed("attention", spec.flops(), () -> inner.attention(spec, qkv, out, lse));
    }

    @Override
    public void attentionBackward(AttentionSpec spec, Tensor qkv, Tensor out, Tensor lse, Tensor gOut, Tensor gQkv) {
        timed("attentionBwd", 2 * spec.flops(), () -> inner.attentionBackward(spec, qkv, out, lse, gOut, gQkv));
    }

    @Override
    public void attentionDecode(AttentionSpec spec, Tensor qkv, Tensor kCache, Tensor vCache, int position,
                                double[] sampleScale, Tensor out) {
        timed("attentionDecode", 0,
                () -> inner.attentionDecode(spec, qkv, kCache, vCache, position, sampleScale, out));
    }

    @Override
    public void causalAffine(Tensor x, Tensor p, int batch, int tokens, int dim, boolean withScale, Tensor z) {
        timed("causalAffine", 0, () -> inner.causalAffine(x, p, batch, tokens, dim, withScale, z));
    }

    @Override
    public void causalAffineBackward(Tensor p, Tensor z, Tensor gz, int batch, int tokens, int dim, boolean withScale,
                                     Tensor gx, Tensor gp) {
        timed("causalAffineBwd", 0,
                () -> inner.causalAffineBackward(p, z, gz, batch, tokens, dim, withScale, gx, gp));
    }

    @Override
    public void adamw(AdamWStep step, Tensor param, Tensor grad, Tensor m, Tensor v) {
        timed("adamw", 0, () -> inner.adamw(step, param, grad, m, v));
    }
}
