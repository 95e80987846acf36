package org.tarflow.tensor.reference;

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
 * The backend that defines what every op means: plain loops over float64 storage, written for clarity rather than
 * speed. Other backends are tested against it; its own gradients are tested against central differences, which
 * float64 makes accurate to about 1e-9.
 */
public final class ReferenceBackend implements Backend {
    private final StoragePool<DoubleStorage> pool = new StoragePool<>(DoubleStorage::new, s -> { }, 8);

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String description() {
        return "reference: plain Java loops, float64, one thread";
    }

    static double[] data(Tensor t) {
        Storage s = t.storage();
        if (!(s instanceof DoubleStorage)) {
            throw new IllegalArgumentException("tensor " + t + " does not belong to the reference backend");
        }
        return ((DoubleStorage) s).data;
    }

    // ---------------------------------------------------------------- memory

    @Override
    public Storage allocate(int length) {
        return pool.take(length);
    }

    @Override
    public void release(Storage storage) {
        pool.give((DoubleStorage) storage);
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
        double[] d = data(dst);
        for (int i = 0; i < dst.size(); i++) {
            d[dst.offset() + i] = src[srcOffset + i];
        }
    }

    @Override
    public void write(Tensor dst, double[] src, int srcOffset) {
        System.arraycopy(src, srcOffset, data(dst), dst.offset(), dst.size());
    }

    @Override
    public void read(Tensor src, float[] dst, int dstOffset) {
        double[] s = data(src);
        for (int i = 0; i < src.size(); i++) {
            dst[dstOffset + i] = (float) s[src.offset() + i];
        }
    }

    @Override
    public void read(Tensor src, double[] dst, int dstOffset) {
        System.arraycopy(data(src), src.offset(), dst, dstOffset, src.size());
    }

    // ---------------------------------------------------------------- data movement

    @Override
    public void fill(Tensor dst, double value) {
        double[] d = data(dst);
        for (int i = 0; i < dst.size(); i++) {
            d[dst.offset() + i] = value;
        }
    }

    @Override
    public void copy(Tensor src, int srcOffset, int[] srcStrides, Tensor dst, int dstOffset, int[] dstStrides,
                     int[] shape, boolean accumulate) {
        double[] s = data(src);
        double[] d = data(dst);
        int rank = shape.length;
        int total = 1;
        for (int n : shape) {
            total *= n;
        }
        int[] idx = new int[rank];
        for (int e = 0; e < total; e++) {
            int si = src.offset() + srcOffset;
            int di = dst.offset() + dstOffset;
            for (int k = 0; k < rank; k++) {
                si += idx[k] * srcStrides[k];
                di += idx[k] * dstStrides[k];
            }
            d[di] = accumulate ? d[di] + s[si] : s[si];
            increment(idx, shape);
        }
    }

    /** Odometer step over a multi-index. */
    static void increment(int[] idx, int[] shape) {
        for (int k = idx.length - 1; k >= 0; k--) {
            if (++idx[k] < shape[k]) {
                return;
            }
            idx[k] = 0;
        }
    }

    @Override
    public void gatherRows(Tensor table, int[] index, int cols, Tensor out) {
        double[] t = data(table);
        double[] o = data(out);
        for (int r = 0; r < index.length; r++) {
            for (int c = 0; c < cols; c++) {
                o[out.offset() + r * cols + c] = t[table.offset() + index[r] * cols + c];
            }
        }
    }

    @Override
    public void scatterAddRows(Tensor src, int[] index, int cols, Tensor table) {
        double[] s = data(src);
        double[] t = data(table);
        for (int r = 0; r < index.length; r++) {
            for (int c = 0; c < cols; c++) {
                t[table.offset() + index[r] * cols + c] += s[src.offset() + r * cols + c];
            }
        }
    }

    // ---------------------------------------------------------------- elementwise

    static double apply(UnaryOp op, double x) {
        return switch (op) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQUARE -> x * x;
            case SQRT -> Math.sqrt(x);
            case GELU -> Erf.gelu(x);
            case TANH -> Math.tanh(x);
        };
    }

    static double derivative(UnaryOp op, double x, double y) {
        return switch (op) {
            case NEG -> -1.0;
            case EXP -> y;
            case LOG -> 1.0 / x;
            case SQUARE -> 2.0 * x;
            case SQRT -> 0.5 / y;
            case GELU -> Erf.geluDerivative(x);
            case TANH -> 1.0 - y * y;
        };
    }

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor y) {
        double[] xs = data(x);
        double[] ys = data(y);
        for (int i = 0; i < x.size(); i++) {
            ys[y.offset() + i] = apply(op, xs[x.offset() + i]);
        }
    }

    @Override
    public void unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor gy, Tensor gx, boolean accumulate) {
        double[] xs = data(x);
        double[] ys = data(y);
        double[] gys = data(gy);
        double[] gxs = data(gx);
        for (int i = 0; i < x.size(); i++) {
            double g = gys[gy.offset() + i] * derivative(op, xs[x.offset() + i], ys[y.offset() + i]);
            int o = gx.offset() + i;
            gxs[o] = accumulate ? gxs[o] + g : g;
        }
    }

    @Override
    public void affine(Tensor x, double alpha, double beta, Tensor y) {
        double[] xs = data(x);
        double[] ys = data(y);
        for (int i = 0; i < x.size(); i++) {
            ys[y.offset() + i] = alpha * xs[x.offset() + i] + beta;
        }
    }

    static double apply(BinaryOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
        };
    }

    @Override
    public void binary(BinaryOp op, Tensor a, int[] aStrides, Tensor b, int[] bStrides, Tensor out, int[] shape) {
        double[] as = data(a);
        double[] bs = data(b);
        double[] os = data(out);
        int rank = shape.length;
        int total = 1;
        for (int n : shape) {
            total *= n;
        }
        int[] idx = new int[rank];
        for (int e = 0; e < total; e++) {
            int ai = a.offset();
            int bi = b.offset();
            for (int k = 0; k < rank; k++) {
                ai += idx[k] * aStrides[k];
                bi += idx[k] * bStrides[k];
            }
            os[out.offset() + e] = apply(op, as[ai], bs[bi]);
            increment(idx, shape);
        }
    }

    // ---------------------------------------------------------------- reductions

    @Override
    public void sum(Tensor x, int outer, int reduce, int inner, double scale, Tensor y, boolean accumulate) {
        double[] xs = data(x);
        double[] ys = data(y);
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                double acc = 0;
                for (int r = 0; r < reduce; r++) {
                    acc += xs[x.offset() + (o * reduce + r) * inner + i];
                }
                int yi = y.offset() + o * inner + i;
                ys[yi] = accumulate ? ys[yi] + scale * acc : scale * acc;
            }
        }
    }

    @Override
    public double[] stats(Tensor x) {
        double[] xs = data(x);
        double sum = 0;
        double sumSq = 0;
        double bad = 0;
        double maxAbs = 0;
        for (int i = 0; i < x.size(); i++) {
            double v = xs[x.offset() + i];
            if (!Double.isFinite(v)) {
                bad++;
                continue;
            }
            sum += v;
            sumSq += v * v;
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        return new double[] {sum, sumSq, bad, maxAbs};
    }

    // ---------------------------------------------------------------- linear algebra

    @Override
    public void gemm(GemmSpec s, Tensor a, Tensor b, Tensor bias, Tensor c) {
        double[] as = data(a);
        double[] bs = data(b);
        double[] cs = data(c);
        double[] bias64 = bias == null ? null : data(bias);
        int lda = s.lda();
        int ldb = s.ldb();
        for (int p = 0; p < s.batch(); p++) {
            int ao = a.offset() + p * s.strideA();
            int bo = b.offset() + p * s.strideB();
            int co = c.offset() + p * s.strideC();
            for (int i = 0; i < s.m(); i++) {
                for (int j = 0; j < s.n(); j++) {
                    double acc = 0;
                    for (int q = 0; q < s.k(); q++) {
                        double av = s.transA() ? as[ao + q * lda + i] : as[ao + i * lda + q];
                        double bv = s.transB() ? bs[bo + j * ldb + q] : bs[bo + q * ldb + j];
                        acc += av * bv;
                    }
                    double v = s.alpha() * acc;
                    if (bias64 != null) {
                        v += bias64[bias.offset() + j];
                    }
                    int ci = co + i * s.n() + j;
                    cs[ci] = s.accumulate() ? cs[ci] + v : v;
                }
            }
        }
    }

    // ---------------------------------------------------------------- normalisation

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, int rows, int cols, Tensor y, Tensor mean,
                          Tensor rstd) {
        double[] xs = data(x);
        double[] ys = data(y);
        double[] ms = data(mean);
        double[] rs = data(rstd);
        double[] g = gamma == null ? null : data(gamma);
        double[] bt = beta == null ? null : data(beta);
        for (int r = 0; r < rows; r++) {
            int base = x.offset() + r * cols;
            double mu = 0;
            for (int c = 0; c < cols; c++) {
                mu += xs[base + c];
            }
            mu /= cols;
            double var = 0;
            for (int c = 0; c < cols; c++) {
                double d = xs[base + c] - mu;
                var += d * d;
            }
            var /= cols;
            double inv = 1.0 / Math.sqrt(var + eps);
            ms[mean.offset() + r] = mu;
            rs[rstd.offset() + r] = inv;
            for (int c = 0; c < cols; c++) {
                double v = (xs[base + c] - mu) * inv;
                if (g != null) {
                    v *= g[gamma.offset() + c];
                }
                if (bt != null) {
                    v += bt[beta.offset() + c];
                }
                ys[y.offset() + r * cols + c] = v;
            }
        }
    }

    @Override
    public void layerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy, int rows, int cols,
                                  Tensor gx, Tensor gGamma, Tensor gBeta) {
        double[] xs = data(x);
        double[] ms = data(mean);
        double[] rs = data(rstd);
        double[] gys = data(gy);
        double[] g = gamma == null ? null : data(gamma);
        double[] gxs = gx == null ? null : data(gx);
        double[] gg = gGamma == null ? null : data(gGamma);
        double[] gb = gBeta == null ? null : data(gBeta);
        double[] xhat = new double[cols];
        double[] dxhat = new double[cols];
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            double mu = ms[mean.offset() + r];
            double inv = rs[rstd.offset() + r];
            double meanD = 0;
            double meanDX = 0;
            for (int c = 0; c < cols; c++) {
                xhat[c] = (xs[x.offset() + base + c] - mu) * inv;
                double gyc = gys[gy.offset() + base + c];
                if (gg != null) {
                    gg[gGamma.offset() + c] += gyc * xhat[c];
                }
                if (gb != null) {
                    gb[gBeta.offset() + c] += gyc;
                }
                dxhat[c] = g == null ? gyc : gyc * g[gamma.offset() + c];
                meanD += dxhat[c];
                meanDX += dxhat[c] * xhat[c];
            }
            meanD /= cols;
            meanDX /= cols;
            if (gxs != null) {
                for (int c = 0; c < cols; c++) {
                    gxs[gx.offset() + base + c] = inv * (dxhat[c] - meanD - xhat[c] * meanDX);
                }
            }
        }
    }

    @Override
    public void softmax(Tensor x, int rows, int cols, Tensor y) {
        double[] xs = data(x);
        double[] ys = data(y);
        for (int r = 0; r < rows; r++) {
            int xb = x.offset() + r * cols;
            int yb = y.offset() + r * cols;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, xs[xb + c]);
            }
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                double e = Math.exp(xs[xb + c] - max);
                ys[yb + c] = e;
                sum += e;
            }
            for (int c = 0; c < cols; c++) {
                ys[yb + c] /= sum;
            }
        }
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor gy, int rows, int cols, Tensor gx) {
        double[] ys = data(y);
        double[] gys = data(gy);
        double[] gxs = data(gx);
        for (int r = 0; r < rows; r++) {
            double dot = 0;
            for (int c = 0; c < cols; c++) {
                dot += ys[y.offset() + r * cols + c] * gys[gy.offset() + r * cols + c];
            }
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                gxs[gx.offset() + i] = ys[y.offset() + i] * (gys[gy.offset() + i] - dot);
            }
        }
    }

    // ---------------------------------------------------------------- attention

    @Override
    public void attention(AttentionSpec s, Tensor qkv, Tensor out, Tensor lse) {
        ReferenceAttention.forward(s, data(qkv), qkv.offset(), data(out), out.offset(), data(lse), lse.offset());
    }

    @Override
    public void attentionBackward(AttentionSpec s, Tensor qkv, Tensor out, Tensor lse, Tensor gOut, Tensor gQkv) {
        ReferenceAttention.backward(s, data(qkv), qkv.offset(), data(out), out.offset(), data(lse), lse.offset(),
                data(gOut), gOut.offset(), data(gQkv), gQkv.offset());
    }

    @Override
    public void attentionDecode(AttentionSpec s, Tensor qkv, Tensor kCache, Tensor vCache, int position,
                                double[] sampleScale, Tensor out) {
        ReferenceAttention.decode(s, data(qkv), qkv.offset(), data(kCache), kCache.offset(), data(vCache),
                vCache.offset(), position, sampleScale, data(out), out.offset());
    }

    // ---------------------------------------------------------------- flow

    @Override
    public void causalAffine(Tensor x, Tensor p, int batch, int tokens, int dim, boolean withScale, Tensor z) {
        double[] xs = data(x);
        double[] ps = data(p);
        double[] zs = data(z);
        int pw = withScale ? 2 * dim : dim;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < tokens; i++) {
                for (int d = 0; d < dim; d++) {
                    int xi = x.offset() + (b * tokens + i) * dim + d;
                    double v = xs[xi];
                    if (i > 0) {
                        int row = p.offset() + (b * tokens + i - 1) * pw;
                        double alpha = withScale ? ps[row + d] : 0.0;
                        double mu = ps[row + (withScale ? dim : 0) + d];
                        v = (v - mu) * Math.exp(-alpha);
                    }
                    zs[z.offset() + (b * tokens + i) * dim + d] = v;
                }
            }
        }
    }

    @Override
    public void causalAffineBackward(Tensor p, Tensor z, Tensor gz, int batch, int tokens, int dim, boolean withScale,
                                     Tensor gx, Tensor gp) {
        double[] ps = data(p);
        double[] zs = data(z);
        double[] gzs = data(gz);
        double[] gxs = data(gx);
        double[] gps = data(gp);
        int pw = withScale ? 2 * dim : dim;
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < pw; c++) {
                gps[gp.offset() + (b * tokens + tokens - 1) * pw + c] = 0; // the last row predicts nothing
            }
            for (int i = 0; i < tokens; i++) {
                for (int d = 0; d < dim; d++) {
                    int zi = (b * tokens + i) * dim + d;
                    double g = gzs[gz.offset() + zi];
                    if (i == 0) {
                        gxs[gx.offset() + zi] = g;
                        continue;
                    }
                    int row = (b * tokens + i - 1) * pw;
                    double scale = withScale ? Math.exp(-ps[p.offset() + row + d]) : 1.0;
                    gxs[gx.offset() + zi] = g * scale;
                    if (withScale) {
                        gps[gp.offset() + row + d] = -g * zs[z.offset() + zi];
                        gps[gp.offset() + row + dim + d] = -g * scale;
                    } else {
                        gps[gp.offset() + row + d] = -g;
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- optimiser

    @Override
    public void adamw(AdamWStep st, Tensor param, Tensor grad, Tensor m, Tensor v) {
        double[] p = data(param);
        double[] g = data(grad);
        double[] ms = data(m);
        double[] vs = data(v);
        double bc1 = st.biasCorrection1();
        double bc2Sqrt = Math.sqrt(st.biasCorrection2());
        double decay = 1 - st.lr() * st.weightDecay();
        for (int i = 0; i < param.size(); i++) {
            int pi = param.offset() + i;
            double gi = g[grad.offset() + i] * st.gradScale();
            int mi = m.offset() + i;
            int vi = v.offset() + i;
            ms[mi] = st.beta1() * ms[mi] + (1 - st.beta1()) * gi;
            vs[vi] = st.beta2() * vs[vi] + (1 - st.beta2()) * gi * gi;
            double denom = Math.sqrt(vs[vi]) / bc2Sqrt + st.eps();
            p[pi] = p[pi] * decay - st.lr() / bc1 * ms[mi] / denom;
        }
    }
}
