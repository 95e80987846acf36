package org.tarflow.cpu;

import org.tarflow.tensor.AdamWStep;
import org.tarflow.tensor.AttentionSpec;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.BinaryOp;
import org.tarflow.tensor.GemmSpec;
import org.tarflow.tensor.Storage;
import org.tarflow.tensor.StoragePool;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.UnaryOp;

/**
 * The Vector API backend: float32 heap storage, SIMD kernels split over a {@link ThreadTeam}. With
 * {@code simd = false} every kernel runs its scalar twin, which is how the SIMD kernels are tested.
 */
public final class CpuBackend implements Backend {
    /** Elements per task for memory-bound kernels: big enough that a task outweighs its dispatch (~1 µs). */
    private static final int GRAIN = 1 << 15;

    private final ThreadTeam team;
    private final boolean simd;
    private final StoragePool<FloatStorage> pool = new StoragePool<>(FloatStorage::new, s -> { }, 4);
    private final LayerNormBackward layerNormBackward = new LayerNormBackward();
    private final PackedWeights packedWeights;

    public CpuBackend(int threads, boolean simd) {
        this(threads, simd, CpuConfig.packedWeightsMiB());
    }

    /** packedWeightsMiB: the budget of {@link PackedWeights} (0: no packed copies kept). */
    CpuBackend(int threads, boolean simd, long packedWeightsMiB) {
        JitDirectives.install();
        this.team = new ThreadTeam(threads);
        this.simd = simd;
        this.packedWeights = new PackedWeights(packedWeightsMiB);
    }

    /** Threads and SIMD from the system properties (see {@link CpuConfig}). */
    public CpuBackend() {
        this(CpuConfig.defaultThreads(), CpuConfig.simdEnabled());
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return "cpu: Vector API " + (simd ? Simd.F.vectorBitSize() + "-bit (" + Simd.L + " floats)" : "off (scalar twins)")
                + ", " + team.size() + " thread" + (team.size() == 1 ? "" : "s");
    }

    @Override
    public int threads() {
        return team.size();
    }

    public boolean simd() {
        return simd;
    }

    /**
     * The values behind a tensor, for a kernel that may write them: every such access bumps the storage's
     * {@link FloatStorage#version}, which is what keeps {@link PackedWeights} from serving a stale copy.
     */
    static float[] data(Tensor t) {
        FloatStorage s = storage(t);
        s.version++;
        return s.data;
    }

    /** The storage behind a tensor, without counting an access: for operands a kernel only reads (the GEMM's). */
    private static FloatStorage storage(Tensor t) {
        Storage s = t.storage();
        if (!(s instanceof FloatStorage)) {
            throw new IllegalArgumentException("tensor " + t + " does not belong to the cpu backend");
        }
        return (FloatStorage) s;
    }

    /** Runs body over [0, n) in contiguous chunks of at least {@code grain}. */
    private void parallel(int n, int grain, RangeBody body) {
        int chunks = (int) Math.min((n + (long) grain - 1) / grain, team.size() * 4L);
        if (chunks <= 1) {
            body.run(0, n);
            return;
        }
        int per = (n + chunks - 1) / chunks;
        team.run(chunks, t -> {
            int from = t * per;
            int to = Math.min(n, from + per);
            if (from < to) {
                body.run(from, to);
            }
        });
    }

    private static final ThreadLocal<double[]> SCRATCH_D = ThreadLocal.withInitial(() -> new double[0]);
    private static final ThreadLocal<float[]> SCRATCH_F = ThreadLocal.withInitial(() -> new float[0]);

    /** Per-thread scratch reused across calls, so kernels allocate nothing in steady state. */
    private static double[] scratchDoubles(int n) {
        double[] s = SCRATCH_D.get();
        if (s.length < n) {
            s = new double[n];
            SCRATCH_D.set(s);
        }
        return s;
    }

    private static float[] scratchFloats(int n) {
        float[] s = SCRATCH_F.get();
        if (s.length < n) {
            s = new float[n];
            SCRATCH_F.set(s);
        }
        return s;
    }


    @FunctionalInterface
    private interface RangeBody {
        void run(int from, int to);
    }

    // ---------------------------------------------------------------- memory

    @Override
    public Storage allocate(int length) {
        return pool.take(length);
    }

    @Override
    public void release(Storage storage) {
        packedWeights.forget((FloatStorage) storage);
        pool.give((FloatStorage) storage);
    }

    /** Also drops the packed copies of GEMM operands ({@link PackedWeights}). */
    @Override
    public void trimPool() {
        pool.trim();
        packedWeights.clear();
    }

    /** Pooled and in-use buffers, plus packed copies of GEMM operands. */
    @Override
    public long bytesHeld() {
        return pool.bytesHeld() + packedWeights.bytesHeld();
    }

    /** GEMMs so far that found their right operand already packed (see {@link PackedWeights}). */
    long packedWeightHits() {
        return packedWeights.hits();
    }

    @Override
    public long allocationCount() {
        return pool.allocations();
    }

    @Override
    public void write(Tensor dst, float[] src, int srcOffset) {
        System.arraycopy(src, srcOffset, data(dst), dst.offset(), dst.size());
    }

    @Override
    public void write(Tensor dst, double[] src, int srcOffset) {
        float[] d = data(dst);
        for (int i = 0; i < dst.size(); i++) {
            d[dst.offset() + i] = (float) src[srcOffset + i];
        }
    }

    @Override
    public void read(Tensor src, float[] dst, int dstOffset) {
        // reads never bump the version: checkpoints and previews read weights between products
        System.arraycopy(storage(src).data, src.offset(), dst, dstOffset, src.size());
    }

    @Override
    public void read(Tensor src, double[] dst, int dstOffset) {
        float[] s = storage(src).data;
        for (int i = 0; i < src.size(); i++) {
            dst[dstOffset + i] = s[src.offset() + i];
        }
    }

    // ---------------------------------------------------------------- data movement

    @Override
    public void fill(Tensor dst, double value) {
        float[] d = data(dst);
        int o = dst.offset();
        float v = (float) value;
        parallel(dst.size(), GRAIN * 4, (from, to) -> java.util.Arrays.fill(d, o + from, o + to, v));
    }

    @Override
    public void copy(Tensor src, int srcOffset, int[] srcStrides, Tensor dst, int dstOffset, int[] dstStrides,
                     int[] shape, boolean accumulate) {
        float[] s = data(src);
        float[] d = data(dst);
        int so = src.offset() + srcOffset;
        int dOff = dst.offset() + dstOffset;
        int rank = shape.length;
        if (rank == 0) {
            d[dOff] = accumulate ? d[dOff] + s[so] : s[so];
            return;
        }
        int inner = shape[rank - 1];
        int ss = srcStrides[rank - 1];
        int sd = dstStrides[rank - 1];
        int rows = 1;
        for (int k = 0; k < rank - 1; k++) {
            rows *= shape[k];
        }
        if (rows == 1) {
            parallel(inner, GRAIN, (from, to) ->
                    Elementwise.copyRun(simd, s, so + from * ss, ss, d, dOff + from * sd, sd, to - from, accumulate));
            return;
        }
        int grainRows = Math.max(1, GRAIN / Math.max(1, inner));
        parallel(rows, grainRows, (from, to) -> {
            for (int r = from; r < to; r++) {
                int si = so;
                int di = dOff;
                int q = r;
                for (int k = rank - 2; k >= 0; k--) {
                    int idx = q % shape[k];
                    q /= shape[k];
                    si += idx * srcStrides[k];
                    di += idx * dstStrides[k];
                }
                Elementwise.copyRun(simd, s, si, ss, d, di, sd, inner, accumulate);
            }
        });
    }

    @Override
    public void gatherRows(Tensor table, int[] index, int cols, Tensor out) {
        float[] t = data(table);
        float[] o = data(out);
        for (int r = 0; r < index.length; r++) {
            System.arraycopy(t, table.offset() + index[r] * cols, o, out.offset() + r * cols, cols);
        }
    }

    @Override
    public void scatterAddRows(Tensor src, int[] index, int cols, Tensor table) {
        float[] s = data(src);
        float[] t = data(table);
        for (int r = 0; r < index.length; r++) {
            Elementwise.addInto(simd, s, src.offset() + r * cols, t, table.offset() + index[r] * cols, cols);
        }
    }

    // ---------------------------------------------------------------- elementwise

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor y) {
        float[] xs = data(x);
        float[] ys = data(y);
        int xo = x.offset();
        int yo = y.offset();
        parallel(x.size(), GRAIN, (from, to) -> Elementwise.unary(simd, op, xs, xo + from, ys, yo + from, to - from));
    }

    @Override
    public void unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor gy, Tensor gx, boolean accumulate) {
        float[] xs = data(x);
        float[] ys = data(y);
        float[] gys = data(gy);
        float[] gxs = data(gx);
        parallel(x.size(), GRAIN, (from, to) -> Elementwise.unaryBackward(simd, op, xs, x.offset() + from, ys,
                y.offset() + from, gys, gy.offset() + from, gxs, gx.offset() + from, to - from, accumulate));
    }

    @Override
    public void affine(Tensor x, double alpha, double beta, Tensor y) {
        float[] xs = data(x);
        float[] ys = data(y);
        float a = (float) alpha;
        float b = (float) beta;
        parallel(x.size(), GRAIN, (from, to) ->
                Elementwise.affine(simd, xs, x.offset() + from, a, b, ys, y.offset() + from, to - from));
    }

    @Override
    public void binary(BinaryOp op, Tensor a, int[] aStrides, Tensor b, int[] bStrides, Tensor out, int[] shape) {
        float[] as = data(a);
        float[] bs = data(b);
        float[] os = data(out);
        int rank = shape.length;
        if (rank == 0) {
            os[out.offset()] = Elementwise.apply(op, as[a.offset()], bs[b.offset()]);
            return;
        }
        int inner = shape[rank - 1];
        int sa = aStrides[rank - 1];
        int sb = bStrides[rank - 1];
        int rows = 1;
        for (int k = 0; k < rank - 1; k++) {
            rows *= shape[k];
        }
        if (rows == 1) {
            parallel(inner, GRAIN, (from, to) -> Elementwise.binaryRun(simd, op, as, a.offset() + from * sa, sa, bs,
                    b.offset() + from * sb, sb, os, out.offset() + from, to - from));
            return;
        }
        int grainRows = Math.max(1, GRAIN / Math.max(1, inner));
        parallel(rows, grainRows, (from, to) -> {
            for (int r = from; r < to; r++) {
                int ai = a.offset();
                int bi = b.offset();
                int q = r;
                for (int k = rank - 2; k >= 0; k--) {
                    int idx = q % shape[k];
                    q /= shape[k];
                    ai += idx * aStrides[k];
                    bi += idx * bStrides[k];
                }
                Elementwise.binaryRun(simd, op, as, ai, sa, bs, bi, sb, os, out.offset() + r * inner, inner);
            }
        });
    }

    // ---------------------------------------------------------------- reductions

    @Override
    public void sum(Tensor x, int outer, int reduce, int inner, double scale, Tensor y, boolean accumulate) {
        float[] xs = data(x);
        float[] ys = data(y);
        int xo = x.offset();
        int yo = y.offset();
        if (inner == 1) {
            if (outer == 1) {
                // one long row: partial sums per chunk, combined in double
                int chunks = (int) Math.min(Math.max(1, reduce / GRAIN), team.size() * 4L);
                double[] partial = new double[chunks];
                int per = (reduce + chunks - 1) / chunks;
                team.run(chunks, t -> {
                    int from = t * per;
                    int to = Math.min(reduce, from + per);
                    partial[t] = from < to ? Reductions.sumRow(simd, xs, xo + from, to - from) : 0;
                });
                double total = 0;
                for (double p : partial) {
                    total += p;
                }
                ys[yo] = (float) (accumulate ? ys[yo] + scale * total : scale * total);
                return;
            }
            parallel(outer, Math.max(1, GRAIN / Math.max(1, reduce)), (from, to) -> {
                for (int o = from; o < to; o++) {
                    double v = scale * Reductions.sumRow(simd, xs, xo + o * reduce, reduce);
                    ys[yo + o] = (float) (accumulate ? ys[yo + o] + v : v);
                }
            });
            return;
        }
        // column sums: tasks over (outer, column chunk)
        int colChunk = Math.max(Simd.L * 4, (inner + team.size() * 2 - 1) / (team.size() * 2));
        int chunksPerRow = (inner + colChunk - 1) / colChunk;
        int tasks = outer * chunksPerRow;
        ThreadTeam.Body body = t -> {
            int o = t / chunksPerRow;
            int c0 = (t % chunksPerRow) * colChunk;
            int c1 = Math.min(inner, c0 + colChunk);
            double[] acc = scratchDoubles(inner);
            float[] part = scratchFloats(inner);
            java.util.Arrays.fill(acc, c0, c1, 0.0);
            Reductions.sumColumns(simd, xs, xo + o * reduce * inner, inner, 0, reduce, c0, c1, acc, part);
            for (int c = c0; c < c1; c++) {
                int yi = yo + o * inner + c;
                double v = scale * acc[c];
                ys[yi] = (float) (accumulate ? ys[yi] + v : v);
            }
        };
        if ((long) outer * reduce * inner < GRAIN) {
            for (int t = 0; t < tasks; t++) {
                body.run(t);
            }
        } else {
            team.run(tasks, body);
        }
    }

    @Override
    public double[] stats(Tensor x) {
        float[] xs = data(x);
        int n = x.size();
        int chunks = (int) Math.min(Math.max(1, n / GRAIN), team.size() * 4L);
        double[][] partial = new double[chunks][4];
        int per = (n + chunks - 1) / chunks;
        team.run(chunks, t -> {
            int from = t * per;
            int to = Math.min(n, from + per);
            if (from < to) {
                Reductions.stats(simd, xs, x.offset() + from, to - from, partial[t]);
            }
        });
        double[] out = new double[4];
        for (double[] p : partial) {
            out[0] += p[0];
            out[1] += p[1];
            out[2] += p[2];
            out[3] = Math.max(out[3], p[3]);
        }
        return out;
    }

    // ---------------------------------------------------------------- linear algebra

    @Override
    public void gemm(GemmSpec spec, Tensor a, Tensor b, Tensor bias, Tensor c) {
        // the operands and the bias are only read: no version bump, so that a packed B stays valid
        float[] as = storage(a).data;
        FloatStorage bStore = storage(b);
        float[] bs = bias == null ? null : storage(bias).data;
        int bo = bias == null ? 0 : bias.offset();
        if (simd) {
            PackedWeights.Entry packed = Gemm.packsWholeB(team, spec)
                    ? packedWeights.lookup(bStore, b.offset(), spec) : null;
            Gemm.simd(team, spec, as, a.offset(), bStore.data, b.offset(), bs, bo, data(c), c.offset(), packed);
        } else {
            Gemm.scalar(spec, as, a.offset(), bStore.data, b.offset(), bs, bo, data(c), c.offset());
        }
        storage(c).version++; // and once more now that C is written, in case it was anything's operand
    }

    @Override
    public void linearWeightGradients(Tensor gy, Tensor x, int rows, int out, int in, Tensor gw, Tensor gb) {
        if (!simd) {
            Backend.super.linearWeightGradients(gy, x, rows, out, in, gw, gb);
            return;
        }
        double[] sums = scratchDoubles(out);
        Gemm.weightGradient(team, GemmSpec.of(out, in, rows, true, false), data(gy), gy.offset(), data(x),
                x.offset(), data(gw), gw.offset(), sums);
        writeSums(sums, out, gb);
    }

    /** gb[0, out) = the row sums of a weight gradient, rounded to float. */
    private static void writeSums(double[] sums, int out, Tensor gb) {
        float[] g = data(gb);
        for (int i = 0; i < out; i++) {
            g[gb.offset() + i] = (float) sums[i];
        }
    }

    /**
     * On a team of two, the input gradient and the weight gradients run side by side, one thread each: each product
     * has a core to itself, with its operands in that core's caches, no barrier between the threads and no packed
     * operand built twice. Not where the weight gradient is deep enough to split k across the threads: side by side
     * that gained nothing (config B's layers, all split k: its training step faster in 54 of 120 alternated steps).
     * Config A's MLP layers and qkv projection take it; 2 threads, hot, alternated: fc1 6.66 → 6.33 ms (faster in 25
     * of 30), qkv 4.88 → 4.75 (25 of 30), fc2 (its weight gradient in the one-thread transposed form) 6.91 → 6.68 and
     * 6.77 → 6.38 (32 and 33 of 40); config A's training step, four runs of 60 steps alternated in one JVM: faster in
     * 45, 35, 45 and 36, medians 0.2–4.0% lower. {@code -Dtarflow.cpu.linearSideBySide=false} runs the two in turn,
     * on the whole team each.
     */
    @Override
    public void linearGradients(Tensor gy, Tensor x, Tensor w, int rows, int out, int in, Tensor gx, Tensor gw,
                                Tensor gb) {
        GemmSpec weights = GemmSpec.of(out, in, rows, true, false);
        if (!simd || gx == null || !LINEAR_SIDE_BY_SIDE || team.size() != 2 || Gemm.splitsK(team, weights)) {
            Backend.super.linearGradients(gy, x, w, rows, out, in, gx, gw, gb);
            return;
        }
        // the operands are only read (no version bump, as in gemm); the three results are written
        float[] gys = storage(gy).data;
        float[] xs = storage(x).data;
        float[] ws = storage(w).data;
        float[] gxs = data(gx);
        float[] gws = data(gw);
        // the caller's scratch, filled by whichever thread takes the weight gradients (nothing else uses it then)
        double[] sums = scratchDoubles(out);
        team.run(2, t -> {
            if (t == 0) {
                //   gx [rows, in] = gy [rows, out] · W [out, in]
                Gemm.simd(null, GemmSpec.of(rows, in, out, false, false), gys, gy.offset(), ws, w.offset(), null, 0,
                        gxs, gx.offset());
            } else {
                //   gW [out, in] = gyᵀ · x,  gb = Σ_rows gy
                Gemm.weightGradient(null, weights, gys, gy.offset(), xs, x.offset(), gws, gw.offset(), sums);
            }
        });
        writeSums(sums, out, gb);
        storage(gx).version++;
        storage(gw).version++;
    }

    /** {@link #linearGradients} side by side; {@code -Dtarflow.cpu.linearSideBySide=false} runs them in turn. */
    static final boolean LINEAR_SIDE_BY_SIDE =
            !"false".equalsIgnoreCase(System.getProperty("tarflow.cpu.linearSideBySide"));

    // ---------------------------------------------------------------- normalisation

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, int rows, int cols, Tensor y, Tensor mean,
                          Tensor rstd) {
        float[] xs = data(x);
        float[] g = gamma == null ? null : data(gamma);
        float[] b = beta == null ? null : data(beta);
        int go = gamma == null ? 0 : gamma.offset();
        int bo = beta == null ? 0 : beta.offset();
        float[] ys = data(y);
        float[] ms = data(mean);
        float[] rs = data(rstd);
        float e = (float) eps;
        parallel(rows, Math.max(1, GRAIN / Math.max(1, cols)), (from, to) -> {
            for (int r = from; r < to; r++) {
                Norms.layerNormRow(simd, xs, x.offset() + r * cols, g, go, b, bo, e, cols, ys, y.offset() + r * cols,
                        ms, mean.offset() + r, rs, rstd.offset() + r);
            }
        });
    }

    @Override
    public void layerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy, int rows, int cols,
                                  Tensor gx, Tensor gGamma, Tensor gBeta) {
        layerNormBackward.run(team, simd, x, gamma, mean, rstd, gy, rows, cols, gx, gGamma, gBeta);
    }

    @Override
    public void softmax(Tensor x, int rows, int cols, Tensor y) {
        float[] xs = data(x);
        float[] ys = data(y);
        parallel(rows, Math.max(1, GRAIN / Math.max(1, cols)), (from, to) -> {
            for (int r = from; r < to; r++) {
                Norms.softmaxRow(simd, xs, x.offset() + r * cols, ys, y.offset() + r * cols, cols);
            }
        });
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor gy, int rows, int cols, Tensor gx) {
        float[] ys = data(y);
        float[] gys = data(gy);
        float[] gxs = data(gx);
        parallel(rows, Math.max(1, GRAIN / Math.max(1, cols)), (from, to) -> {
            for (int r = from; r < to; r++) {
                Norms.softmaxBackwardRow(simd, ys, y.offset() + r * cols, gys, gy.offset() + r * cols, gxs,
                        gx.offset() + r * cols, cols);
            }
        });
    }

    // ---------------------------------------------------------------- attention

    /**
     * Runs body(b, h) over every (batch, head) pair of an attention call. Where there are batch entries enough for
     * every thread, a task is one batch entry with its heads in turn, and it first reads the entry's rows of the
     * given tensors through in order ({@link Elementwise#streamThrough}): the kernels read each head's 64 channels of
     * rows 3 KB apart, a stride the hardware prefetcher does not follow, and waited on memory for a good part of
     * their time; after one sequential pass the rows are in L2 for all heads. Config A's shape (32 × 63 tokens,
     * 4 heads of 64), 2 threads, cold buffers, per call: forward 1.04–1.09 → 0.80–1.0 ms, backward 1.95–2.06 →
     * 1.48–1.72 ms. Otherwise a task is one pair.
     */
    private void perPair(AttentionSpec s, AttentionPair body, Tensor... read) {
        int heads = s.heads();
        if (s.batch() >= 2 * team.size() && team.size() > 1) {
            team.run(s.batch(), b -> {
                for (Tensor t : read) {
                    int len = t.size() / s.batch(); // one batch entry: [tokens, width]
                    Elementwise.streamThrough(simd, data(t), t.offset() + b * len, len);
                }
                for (int h = 0; h < heads; h++) {
                    body.run(b, h);
                }
            });
        } else {
            team.run(s.batch() * heads, t -> body.run(t / heads, t % heads));
        }
    }

    @FunctionalInterface
    private interface AttentionPair {
        void run(int b, int h);
    }

    @Override
    public void attention(AttentionSpec s, Tensor qkv, Tensor out, Tensor lse) {
        float[] q = data(qkv);
        float[] o = data(out);
        float[] l = data(lse);
        boolean tiled = simd && AttentionTiles.supports(s);
        perPair(s, (b, h) -> {
            if (tiled) {
                AttentionTiles.forward(s, b, h, q, qkv.offset(), o, out.offset(), l, lse.offset());
            } else {
                AttentionKernels.forward(simd, s, b, h, q, qkv.offset(), o, out.offset(), l, lse.offset());
            }
        }, qkv);
    }

    @Override
    public void attentionBackward(AttentionSpec s, Tensor qkv, Tensor out, Tensor lse, Tensor gOut, Tensor gQkv) {
        float[] q = data(qkv);
        float[] o = data(out);
        float[] l = data(lse);
        float[] g = data(gOut);
        float[] gq = data(gQkv);
        boolean tiled = simd && AttentionTiles.supports(s);
        perPair(s, (b, h) -> {
            if (tiled) {
                AttentionTiles.backward(s, b, h, q, qkv.offset(), o, out.offset(), l, lse.offset(), g,
                        gOut.offset(), gq, gQkv.offset());
            } else {
                AttentionKernels.backward(simd, s, b, h, q, qkv.offset(), o, out.offset(), l, lse.offset(), g,
                        gOut.offset(), gq, gQkv.offset());
            }
        }, tiled ? new Tensor[] {qkv, gOut} : new Tensor[] {qkv, out, gOut}); // the tiles do not read the output
    }

    @Override
    public void attentionDecode(AttentionSpec s, Tensor qkv, Tensor kCache, Tensor vCache, int position,
                                double[] sampleScale, Tensor out) {
        float[] q = data(qkv);
        float[] kc = data(kCache);
        float[] vc = data(vCache);
        float[] o = data(out);
        // a (sequence, head) pair is a fraction of a microsecond of work: hand them out in a few contiguous runs,
        // not one by one (each hand-out is a contended atomic shared by the threads)
        parallel(s.batch() * s.heads(), 1, (from, to) -> {
            for (int t = from; t < to; t++) {
                int b = t / s.heads();
                float scale = (float) (sampleScale == null ? s.scale() : sampleScale[b]);
                AttentionKernels.decode(simd, s, b, t % s.heads(), q, qkv.offset(), kc, kCache.offset(), vc,
                        vCache.offset(), position, scale, o, out.offset());
            }
        });
    }

    // ---------------------------------------------------------------- flow

    @Override
    public void causalAffine(Tensor x, Tensor p, int batch, int tokens, int dim, boolean withScale, Tensor z) {
        float[] xs = data(x);
        float[] ps = data(p);
        float[] zs = data(z);
        int pw = withScale ? 2 * dim : dim;
        int muOff = withScale ? dim : 0;
        parallel(batch * tokens, Math.max(1, GRAIN / Math.max(1, dim)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int i = r % tokens;
                int xo = x.offset() + r * dim;
                int zo = z.offset() + r * dim;
                if (i == 0) {
                    System.arraycopy(xs, xo, zs, zo, dim);
                } else {
                    CouplingKernels.forwardRow(simd, xs, xo, ps, p.offset() + (r - 1) * pw, muOff, withScale, dim, zs, zo);
                }
            }
        });
    }

    @Override
    public void causalAffineBackward(Tensor p, Tensor z, Tensor gz, int batch, int tokens, int dim, boolean withScale,
                                     Tensor gx, Tensor gp) {
        float[] ps = data(p);
        float[] zs = data(z);
        float[] gzs = data(gz);
        float[] gxs = data(gx);
        float[] gps = data(gp);
        int pw = withScale ? 2 * dim : dim;
        int muOff = withScale ? dim : 0;
        parallel(batch * tokens, Math.max(1, GRAIN / Math.max(1, dim)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int i = r % tokens;
                if (i == tokens - 1) {
                    java.util.Arrays.fill(gps, gp.offset() + r * pw, gp.offset() + (r + 1) * pw, 0f);
                }
                if (i == 0) {
                    System.arraycopy(gzs, gz.offset() + r * dim, gxs, gx.offset() + r * dim, dim);
                } else {
                    CouplingKernels.backwardRow(simd, ps, p.offset() + (r - 1) * pw, muOff, withScale, zs,
                            z.offset() + r * dim, gzs, gz.offset() + r * dim, dim, gxs, gx.offset() + r * dim, gps,
                            gp.offset() + (r - 1) * pw);
                }
            }
        });
    }

    // ---------------------------------------------------------------- optimiser

    @Override
    public void adamw(AdamWStep step, Tensor param, Tensor grad, Tensor m, Tensor v) {
        float[] p = data(param);
        float[] g = data(grad);
        float[] ms = data(m);
        float[] vs = data(v);
        parallel(param.size(), GRAIN, (from, to) -> AdamWKernel.update(simd, step, p, param.offset(), g, grad.offset(),
                ms, m.offset(), vs, v.offset(), from, to));
    }
}
