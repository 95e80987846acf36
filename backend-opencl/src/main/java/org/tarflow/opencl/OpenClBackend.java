package org.tarflow.opencl;

import java.util.Map;
import java.util.WeakHashMap;
import org.jocl.cl_mem;
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
 * The OpenCL backend: tensors are device buffers, every op is an OpenCL C kernel ({@code tarflow.cl},
 * {@code attention.cl}) on one in-order queue, and data crosses to the host only through {@link #read} and
 * {@link #write}.
 */
public final class OpenClBackend implements Backend {
    private static final int WG = 256;
    private static final int STATS_GROUPS = 64;
    private static final java.lang.ref.Cleaner SCALE_CLEANER = java.lang.ref.Cleaner.create();

    private final ClRuntime rt;
    private final StoragePool<ClStorage> pool;
    /** Per-sequence scale arrays of the sampler, uploaded once per array (the sampler reuses one per run). */
    private final Map<double[], cl_mem> scaleBuffers = new WeakHashMap<>();
    private final ClStorage dummy;
    private ClStorage statsScratch;
    private ClStorage attentionScratch;

    public OpenClBackend(ClDevices.Device device) {
        this.rt = new ClRuntime(device);
        this.pool = new StoragePool<>(rt::allocate, ClStorage::free, 4);
        this.dummy = rt.allocate(1);
    }

    public ClDevices.Device device() {
        return rt.device;
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String description() {
        return "opencl: " + rt.device.typeName() + " " + rt.device.name() + " (" + rt.device.platformName() + ")";
    }

    private static ClStorage buf(Tensor t) {
        Storage s = t.storage();
        if (!(s instanceof ClStorage)) {
            throw new IllegalArgumentException("tensor " + t + " does not belong to the opencl backend");
        }
        return (ClStorage) s;
    }

    private static ClStorage bufOrNull(Tensor t, ClStorage fallback) {
        return t == null ? fallback : buf(t);
    }

    /** Pads a shape or stride array to the kernels' int8. */
    private static int[] int8(int[] v) {
        if (v.length > 8) {
            throw new IllegalArgumentException("opencl: strided kernels take at most 8 dimensions, got " + v.length);
        }
        int[] out = new int[8];
        System.arraycopy(v, 0, out, 0, v.length);
        for (int i = v.length; i < 8; i++) {
            out[i] = 1;
        }
        return out;
    }

    // ---------------------------------------------------------------- memory

    @Override
    public Storage allocate(int length) {
        return pool.take(length);
    }

    @Override
    public void release(Storage storage) {
        pool.give((ClStorage) storage);
    }

    @Override
    public void trimPool() {
        pool.trim();
    }

    @Override
    public long bytesHeld() {
        return pool.bytesHeld();
    }

    @Override
    public long allocationCount() {
        return pool.allocations();
    }

    @Override
    public void write(Tensor dst, float[] src, int srcOffset) {
        rt.write(buf(dst).mem(), dst.offset(), src, srcOffset, dst.size());
    }

    @Override
    public void write(Tensor dst, double[] src, int srcOffset) {
        float[] f = new float[dst.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) src[srcOffset + i];
        }
        write(dst, f, 0);
    }

    @Override
    public void read(Tensor src, float[] dst, int dstOffset) {
        rt.read(buf(src).mem(), src.offset(), dst, dstOffset, src.size());
    }

    @Override
    public void read(Tensor src, double[] dst, int dstOffset) {
        float[] f = new float[src.size()];
        read(src, f, 0);
        for (int i = 0; i < f.length; i++) {
            dst[dstOffset + i] = f[i];
        }
    }

    @Override
    public void synchronize() {
        rt.finish();
    }

    // ---------------------------------------------------------------- data movement

    @Override
    public void fill(Tensor dst, double value) {
        rt.launch1d("fill", dst.size(), buf(dst), dst.offset(), (float) value, dst.size());
    }

    @Override
    public void copy(Tensor src, int srcOffset, int[] srcStrides, Tensor dst, int dstOffset, int[] dstStrides,
                     int[] shape, boolean accumulate) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        rt.launch1d("copy_strided", n, buf(src), src.offset() + srcOffset, buf(dst), dst.offset() + dstOffset,
                shape.length, int8(shape), int8(srcStrides), int8(dstStrides), n, accumulate ? 1 : 0);
    }

    @Override
    public void gatherRows(Tensor table, int[] index, int cols, Tensor out) {
        cl_mem idx = rt.ints(index);
        try {
            rt.launch1d("gather_rows", index.length * cols, buf(table), table.offset(), idx, cols, index.length,
                    buf(out), out.offset());
        } finally {
            ClRuntime.release(idx); // OpenCL keeps it alive until the kernel is done
        }
    }

    @Override
    public void scatterAddRows(Tensor src, int[] index, int cols, Tensor table) {
        cl_mem idx = rt.ints(index);
        try {
            rt.launch1d("scatter_add_rows", cols, buf(src), src.offset(), idx, cols, index.length, buf(table),
                    table.offset());
        } finally {
            ClRuntime.release(idx);
        }
    }

    // ---------------------------------------------------------------- elementwise

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor y) {
        rt.launch1d("unary", x.size(), op.ordinal(), buf(x), x.offset(), buf(y), y.offset(), x.size());
    }

    @Override
    public void unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor gy, Tensor gx, boolean accumulate) {
        rt.launch1d("unary_backward", x.size(), op.ordinal(), buf(x), x.offset(), buf(y), y.offset(), buf(gy),
                gy.offset(), buf(gx), gx.offset(), x.size(), accumulate ? 1 : 0);
    }

    @Override
    public void affine(Tensor x, double alpha, double beta, Tensor y) {
        rt.launch1d("affine", x.size(), buf(x), x.offset(), (float) alpha, (float) beta, buf(y), y.offset(), x.size());
    }

    @Override
    public void binary(BinaryOp op, Tensor a, int[] aStrides, Tensor b, int[] bStrides, Tensor out, int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        rt.launch1d("binary", n, op.ordinal(), buf(a), a.offset(), buf(b), b.offset(), buf(out), out.offset(),
                shape.length, int8(shape), int8(aStrides), int8(bStrides), n);
    }

    // ---------------------------------------------------------------- reductions

    @Override
    public void sum(Tensor x, int outer, int reduce, int inner, double scale, Tensor y, boolean accumulate) {
        if (inner == 1) {
            rt.launch("sum_rows", 0, new long[] {(long) outer * WG}, new long[] {WG}, buf(x), x.offset(), reduce,
                    (float) scale, buf(y), y.offset(), accumulate ? 1 : 0);
        } else {
            rt.launch1d("sum_columns", outer * inner, buf(x), x.offset(), outer, reduce, inner, (float) scale, buf(y),
                    y.offset(), accumulate ? 1 : 0);
        }
    }

    @Override
    public synchronized double[] stats(Tensor x) {
        int groups = Math.max(1, Math.min(STATS_GROUPS, (x.size() + WG - 1) / WG));
        if (statsScratch == null) {
            statsScratch = rt.allocate(4 * STATS_GROUPS);
        }
        rt.launch("stats", 0, new long[] {(long) groups * WG}, new long[] {WG}, buf(x), x.offset(), x.size(),
                statsScratch);
        float[] part = new float[4 * groups];
        rt.read(statsScratch.mem(), 0, part, 0, part.length);
        double[] out = new double[4];
        for (int g = 0; g < groups; g++) {
            out[0] += part[4 * g];
            out[1] += part[4 * g + 1];
            out[2] += part[4 * g + 2];
            out[3] = Math.max(out[3], part[4 * g + 3]);
        }
        return out;
    }

    // ---------------------------------------------------------------- linear algebra

    @Override
    public void gemm(GemmSpec s, Tensor a, Tensor b, Tensor bias, Tensor c) {
        if (s.m() == 0 || s.n() == 0 || s.batch() == 0) {
            return;
        }
        long gx = (s.m() + 63L) / 64 * 16;
        long gy = (s.n() + 63L) / 64 * 16;
        rt.launch("gemm", 0, new long[] {gx, gy, s.batch()}, new long[] {16, 16, 1}, s.m(), s.n(), s.k(),
                s.transA() ? 1 : 0, s.transB() ? 1 : 0, buf(a), a.offset(), s.lda(), s.strideA(), buf(b), b.offset(),
                s.ldb(), s.strideB(), buf(c), c.offset(), s.strideC(), (float) s.alpha(), s.accumulate() ? 1 : 0,
                bufOrNull(bias, dummy), bias == null ? 0 : bias.offset(), bias == null ? 0 : 1);
    }

    // ---------------------------------------------------------------- normalisation

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, int rows, int cols, Tensor y, Tensor mean,
                          Tensor rstd) {
        rt.launch("layer_norm", 0, new long[] {(long) rows * WG}, new long[] {WG}, buf(x), x.offset(),
                bufOrNull(gamma, dummy), gamma == null ? 0 : gamma.offset(), gamma == null ? 0 : 1,
                bufOrNull(beta, dummy), beta == null ? 0 : beta.offset(), beta == null ? 0 : 1, (float) eps, cols,
                buf(y), y.offset(), buf(mean), mean.offset(), buf(rstd), rstd.offset());
    }

    @Override
    public void layerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy, int rows, int cols,
                                  Tensor gx, Tensor gGamma, Tensor gBeta) {
        if (gx != null) {
            rt.launch("layer_norm_backward_x", 0, new long[] {(long) rows * WG}, new long[] {WG}, buf(x), x.offset(),
                    bufOrNull(gamma, dummy), gamma == null ? 0 : gamma.offset(), gamma == null ? 0 : 1, buf(mean),
                    mean.offset(), buf(rstd), rstd.offset(), buf(gy), gy.offset(), cols, buf(gx), gx.offset());
        }
        if (gGamma != null || gBeta != null) {
            rt.launch1d("layer_norm_backward_params", cols, buf(x), x.offset(), buf(mean), mean.offset(), buf(rstd),
                    rstd.offset(), buf(gy), gy.offset(), rows, cols, bufOrNull(gGamma, dummy),
                    gGamma == null ? 0 : gGamma.offset(), gGamma == null ? 0 : 1, bufOrNull(gBeta, dummy),
                    gBeta == null ? 0 : gBeta.offset(), gBeta == null ? 0 : 1);
        }
    }

    @Override
    public void softmax(Tensor x, int rows, int cols, Tensor y) {
        rt.launch("softmax", 0, new long[] {(long) rows * WG}, new long[] {WG}, buf(x), x.offset(), cols, buf(y),
                y.offset());
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor gy, int rows, int cols, Tensor gx) {
        rt.launch("softmax_backward", 0, new long[] {(long) rows * WG}, new long[] {WG}, buf(y), y.offset(),
                buf(gy), gy.offset(), cols, buf(gx), gx.offset());
    }

    // ---------------------------------------------------------------- attention

    private static long rows64(long n) {
        return (n + 63) / 64 * 64;
    }

    @Override
    public void attention(AttentionSpec s, Tensor qkv, Tensor out, Tensor lse) {
        long n = (long) s.batch() * s.heads() * s.tokens();
        rt.launch("attention_forward", s.headDim(), new long[] {rows64(n)}, null, buf(qkv), qkv.offset(), s.batch(),
                s.tokens(), s.heads(), (float) s.scale(), s.causal() ? 1 : 0, buf(out), out.offset(), buf(lse),
                lse.offset());
    }

    @Override
    public synchronized void attentionBackward(AttentionSpec s, Tensor qkv, Tensor out, Tensor lse, Tensor gOut,
                                               Tensor gQkv) {
        int n = s.batch() * s.heads() * s.tokens();
        if (attentionScratch == null || attentionScratch.length() < n) {
            if (attentionScratch != null) {
                attentionScratch.free();
            }
            attentionScratch = rt.allocate(n);
        }
        rt.launch("attention_backward_q", s.headDim(), new long[] {rows64(n)}, null, buf(qkv), qkv.offset(), buf(out),
                out.offset(), buf(lse), lse.offset(), buf(gOut), gOut.offset(), s.batch(), s.tokens(), s.heads(),
                (float) s.scale(), s.causal() ? 1 : 0, attentionScratch, buf(gQkv), gQkv.offset());
        rt.launch("attention_backward_kv", s.headDim(), new long[] {rows64(n)}, null, buf(qkv), qkv.offset(),
                buf(lse), lse.offset(), buf(gOut), gOut.offset(), attentionScratch, s.batch(), s.tokens(), s.heads(),
                (float) s.scale(), s.causal() ? 1 : 0, buf(gQkv), gQkv.offset());
    }

    @Override
    public synchronized void attentionDecode(AttentionSpec s, Tensor qkv, Tensor kCache, Tensor vCache, int position,
                                             double[] sampleScale, Tensor out) {
        cl_mem scales = null;
        if (sampleScale != null) {
            scales = scaleBuffers.get(sampleScale);
            if (scales == null) {
                float[] f = new float[sampleScale.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) sampleScale[i];
                }
                scales = rt.floats(f);
                scaleBuffers.put(sampleScale, scales);
                final cl_mem mem = scales;
                SCALE_CLEANER.register(sampleScale, () -> ClRuntime.release(mem)); // freed with the host array
            }
        }
        long n = (long) s.batch() * s.heads();
        rt.launch("attention_decode", s.headDim(), new long[] {rows64(n)}, null, buf(qkv), qkv.offset(), buf(kCache),
                kCache.offset(), buf(vCache), vCache.offset(), s.batch(), s.tokens(), s.heads(), position,
                scales == null ? dummy.mem() : scales, (float) s.scale(), scales == null ? 0 : 1, buf(out),
                out.offset());
    }

    // ---------------------------------------------------------------- flow

    @Override
    public void causalAffine(Tensor x, Tensor p, int batch, int tokens, int dim, boolean withScale, Tensor z) {
        int n = batch * tokens * dim;
        rt.launch1d("causal_affine", n, buf(x), x.offset(), buf(p), p.offset(), tokens, dim, withScale ? 1 : 0, buf(z),
                z.offset(), n);
    }

    @Override
    public void causalAffineBackward(Tensor p, Tensor z, Tensor gz, int batch, int tokens, int dim, boolean withScale,
                                     Tensor gx, Tensor gp) {
        int n = batch * tokens * dim;
        rt.launch1d("causal_affine_backward_x", n, buf(p), p.offset(), buf(gz), gz.offset(), tokens, dim,
                withScale ? 1 : 0, buf(gx), gx.offset(), n);
        int np = batch * tokens * (withScale ? 2 * dim : dim);
        rt.launch1d("causal_affine_backward_params", np, buf(p), p.offset(), buf(z), z.offset(), buf(gz), gz.offset(),
                tokens, dim, withScale ? 1 : 0, buf(gp), gp.offset(), np);
    }

    // ---------------------------------------------------------------- optimiser

    @Override
    public void adamw(AdamWStep st, Tensor param, Tensor grad, Tensor m, Tensor v) {
        int n = param.size();
        rt.launch1d("adamw", n, buf(param), param.offset(), buf(grad), grad.offset(), buf(m), m.offset(), buf(v),
                v.offset(), (float) st.beta1(), (float) st.beta2(), (float) st.eps(),
                (float) (1 - st.lr() * st.weightDecay()), (float) (st.lr() / st.biasCorrection1()),
                (float) (1.0 / Math.sqrt(st.biasCorrection2())), (float) st.gradScale(), n);
    }
}
