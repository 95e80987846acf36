package org.tarflow.tensor;

import java.util.Arrays;

/** Matrix products: batched matmul with transposes, and PyTorch's Linear (x·Wᵀ + b) with a fused bias. */
final class MatmulOps {
    private MatmulOps() {
    }

    /**
     * op(a) × op(b) where op transposes the last two axes when asked. a is [..., m, k] (or [..., k, m] transposed);
     * b is either a matrix shared by the whole batch or has the same leading axes as a.
     */
    static Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        ElementwiseOps.sameBackend("matmul", a, b);
        int[] as = a.shape();
        int[] bs = b.shape();
        if (as.length < 2 || bs.length < 2) {
            throw new IllegalArgumentException("matmul: operands need at least 2 axes, got " + Shapes.str(as) + " and "
                    + Shapes.str(bs));
        }
        int m = transA ? as[as.length - 1] : as[as.length - 2];
        int ka = transA ? as[as.length - 2] : as[as.length - 1];
        int kb = transB ? bs[bs.length - 1] : bs[bs.length - 2];
        int n = transB ? bs[bs.length - 2] : bs[bs.length - 1];
        if (ka != kb) {
            throw new IllegalArgumentException("matmul: inner sizes differ: " + Shapes.str(as) + (transA ? "ᵀ" : "")
                    + " × " + Shapes.str(bs) + (transB ? "ᵀ" : ""));
        }
        int[] batchA = Arrays.copyOf(as, as.length - 2);
        int[] batchB = Arrays.copyOf(bs, bs.length - 2);
        boolean shared = batchB.length == 0;
        if (!shared && !Arrays.equals(batchA, batchB)) {
            throw new IllegalArgumentException("matmul: batch axes differ: " + Shapes.str(as) + " × " + Shapes.str(bs)
                    + " (b must be a matrix or have a's leading axes)");
        }
        int batch = Shapes.size(batchA);
        int[] outShape = Arrays.copyOf(batchA, batchA.length + 2);
        outShape[batchA.length] = m;
        outShape[batchA.length + 1] = n;
        Tensor c = Tensor.empty(a.backend(), outShape);
        gemm(a, b, c, batch, m, n, ka, transA, transB, shared, false);
        return Autograd.record("matmul", c, gc -> {
            Tensor ga = null;
            Tensor gb = null;
            if (Autograd.needs(a)) {
                ga = Tensor.empty(a.backend(), as);
                if (!transA) {
                    //   dA [m,k] = dC [m,n] · op(B)ᵀ
                    gemm(gc, b, ga, batch, m, ka, n, false, !transB, shared, false);
                } else {
                    //   dA [k,m] = op(B) [k,n] · dCᵀ
                    gemmGeneral(b, gc, ga, batch, ka, m, n, transB, true, shared, false, false);
                }
            }
            if (Autograd.needs(b)) {
                gb = Tensor.empty(b.backend(), bs);
                if (!transB) {
                    //   dB [k,n] = op(A)ᵀ · dC, summed over the batch when B is shared
                    gemmGeneral(a, gc, gb, batch, ka, n, m, !transA, false, false, false, shared);
                } else {
                    //   dB [n,k] = dCᵀ · op(A)
                    gemmGeneral(gc, a, gb, batch, n, ka, m, true, transA, false, false, shared);
                }
            }
            return new Tensor[] {ga, gb};
        }, a, b);
    }

    /** C = op(A)·op(B) with A batched, B batched or shared (stride 0), C batched. */
    private static void gemm(Tensor a, Tensor b, Tensor c, int batch, int m, int n, int k, boolean transA,
                             boolean transB, boolean sharedB, boolean acc) {
        gemmGeneral(a, b, c, batch, m, n, k, transA, transB, false, sharedB, false);
    }

    /**
     * General batched launch. {@code sharedA}/{@code sharedB}: that operand is one matrix for every batch entry.
     * {@code reduceC}: C is one matrix that sums the products of all batch entries.
     */
    private static void gemmGeneral(Tensor a, Tensor b, Tensor c, int batch, int m, int n, int k, boolean transA,
                                    boolean transB, boolean sharedA, boolean sharedB, boolean reduceC) {
        Backend be = a.backend();
        if (c.size() == 0) {
            return;
        }
        if (batch == 0 || k == 0) {
            be.fill(c, 0.0);
            return;
        }
        int sa = sharedA ? 0 : m * k;
        int sb = sharedB ? 0 : k * n;
        if (!reduceC) {
            // a shared B with non-transposed, batched A folds the batch into the rows: one big product
            if (sharedB && !sharedA && !transA) {
                be.gemm(new GemmSpec(1, batch * m, n, k, false, transB, 0, 0, 0, 1.0, false), a, b, null, c);
            } else {
                be.gemm(new GemmSpec(batch, m, n, k, transA, transB, sa, sb, m * n, 1.0, false), a, b, null, c);
            }
            return;
        }
        // C = Σ_b op(A_b)·op(B_b). When both are stacked along the summed axis it is one product with k·batch.
        if (transA && !transB && !sharedA && !sharedB) {
            // A_b stored [k_b, m]: stacked rows form [batch·k, m]; B_b [k_b, n] form [batch·k, n]
            be.gemm(new GemmSpec(1, m, n, k * batch, true, false, 0, 0, 0, 1.0, false), a, b, null, c);
            return;
        }
        for (int i = 0; i < batch; i++) {
            Tensor ai = sharedA ? a : a.view(i * m * k, new int[] {m * k});
            Tensor bi = sharedB ? b : b.view(i * k * n, new int[] {k * n});
            be.gemm(new GemmSpec(1, m, n, k, transA, transB, 0, 0, 0, 1.0, i > 0), ai, bi, null, c);
        }
    }

    /** PyTorch Linear: y = x·Wᵀ + b, x [..., in], W [out, in], b [out] or null. */
    static Tensor linear(Tensor x, Tensor w, Tensor bias) {
        ElementwiseOps.sameBackend("linear", x, w);
        int[] xs = x.shape();
        int[] ws = w.shape();
        if (ws.length != 2 || xs.length < 1 || xs[xs.length - 1] != ws[1]) {
            throw new IllegalArgumentException("linear: input " + Shapes.str(xs) + " does not fit weight "
                    + Shapes.str(ws) + " [out, in]");
        }
        int in = ws[1];
        int out = ws[0];
        if (bias != null) {
            ElementwiseOps.sameBackend("linear", x, bias);
            if (bias.rank() != 1 || bias.dim(0) != out) {
                throw new IllegalArgumentException("linear: bias " + Shapes.str(bias.shape()) + " for weight "
                        + Shapes.str(ws) + " must be [" + out + "]");
            }
        }
        int rows = x.size() / Math.max(in, 1);
        if (in == 0) {
            rows = Shapes.size(xs, 0, xs.length - 1);
        }
        int[] ys = xs.clone();
        ys[ys.length - 1] = out;
        Tensor y = Tensor.empty(x.backend(), ys);
        Backend be = x.backend();
        if (y.size() > 0) {
            if (in == 0) {
                if (bias == null) {
                    be.fill(y, 0);
                } else {
                    be.copy(bias, 0, new int[] {0, 1}, y, 0, new int[] {out, 1}, new int[] {rows, out}, false);
                }
            } else {
                //   y [rows, out] = x [rows, in] · Wᵀ + b
                be.gemm(GemmSpec.of(rows, out, in, false, true), x, w, bias, y);
            }
        }
        final int r = rows;
        return Autograd.record("linear", y, gy -> {
            Tensor gx = null;
            Tensor gw = null;
            Tensor gb = null;
            // a weight or bias whose gradient is still zero (a step after zeroGrad) gets it written straight into
            // its buffer, and none is returned for it: no temporary, and no clear-and-add over every weight
            Tensor wSink = Autograd.needs(w) ? w.gradToOverwrite() : null;
            Tensor bSink = Autograd.needs(bias) ? bias.gradToOverwrite() : null;
            boolean both = Autograd.needs(w) && Autograd.needs(bias) && r > 0 && out > 0 && in > 0;
            if (Autograd.needs(x)) {
                gx = Tensor.empty(be, xs);
            }
            if (both) {
                //   gx [rows, in] = gy [rows, out] · W [out, in]   (when x needs it)
                //   gW [out, in] = gyᵀ · x,  gb [out] = Σ_rows gy   (one pass over gy where the backend fuses them)
                gw = wSink != null ? wSink : Tensor.empty(be, ws);
                gb = bSink != null ? bSink : Tensor.empty(be, out);
                be.linearGradients(gy, x, w, r, out, in, gx, gw, gb);
            } else if (gx != null) {
                gemmOrZero(be, GemmSpec.of(r, in, out, false, false), gy, w, gx);
            }
            if (!both && Autograd.needs(w)) {
                //   gW [out, in] = gyᵀ · x
                gw = wSink != null ? wSink : Tensor.empty(be, ws);
                gemmOrZero(be, GemmSpec.of(out, in, r, true, false), gy, x, gw);
            }
            if (!both && Autograd.needs(bias)) {
                //   gb [out] = Σ_rows gy
                gb = bSink != null ? bSink : Tensor.empty(be, out);
                if (r == 0) {
                    be.fill(gb, 0);
                } else if (out > 0) {
                    be.sum(gy, 1, r, out, 1.0, gb, false);
                }
            }
            return new Tensor[] {gx, wSink != null ? null : gw, bSink != null ? null : gb};
        }, x, w, bias);
    }

    private static void gemmOrZero(Backend be, GemmSpec spec, Tensor a, Tensor b, Tensor c) {
        if (c.size() == 0) {
            return;
        }
        if (spec.k() == 0) {
            be.fill(c, 0);
        } else {
            be.gemm(spec, a, b, null, c);
        }
    }
}
