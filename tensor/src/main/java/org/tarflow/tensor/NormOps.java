package org.tarflow.tensor;

/** LayerNorm and softmax over the last axis, fused forward and backward kernels. */
final class NormOps {
    private NormOps() {
    }

    static Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps) {
        if (x.rank() < 1) {
            throw new IllegalArgumentException("layerNorm: input must have at least one axis");
        }
        int cols = x.dim(-1);
        for (Tensor p : new Tensor[] {gamma, beta}) {
            if (p != null) {
                ElementwiseOps.sameBackend("layerNorm", x, p);
                if (p.rank() != 1 || p.dim(0) != cols) {
                    throw new IllegalArgumentException("layerNorm: parameter " + Shapes.str(p.shape())
                            + " does not match the normalised axis of " + Shapes.str(x.shape()));
                }
            }
        }
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("layerNorm: eps must be >= 0, got " + eps);
        }
        Backend be = x.backend();
        int rows = cols == 0 ? 0 : x.size() / cols;
        Tensor y = Tensor.empty(be, x.shape());
        Tensor mean = Tensor.empty(be, rows);
        Tensor rstd = Tensor.empty(be, rows);
        if (rows > 0) {
            be.layerNorm(x, gamma, beta, eps, rows, cols, y, mean, rstd);
        }
        return Autograd.record("layerNorm", y, gy -> {
            Tensor gx = Autograd.needs(x) ? Tensor.empty(be, x.shape()) : null;
            Tensor gg = Autograd.needs(gamma) ? Tensor.zeros(be, cols) : null;
            Tensor gb = Autograd.needs(beta) ? Tensor.zeros(be, cols) : null;
            if (rows > 0) {
                be.layerNormBackward(x, gamma, mean, rstd, gy, rows, cols, gx, gg, gb);
            }
            return new Tensor[] {gx, gg, gb};
        }, x, gamma, beta);
    }

    static Tensor softmax(Tensor x) {
        if (x.rank() < 1) {
            throw new IllegalArgumentException("softmax: input must have at least one axis");
        }
        Backend be = x.backend();
        int cols = x.dim(-1);
        int rows = cols == 0 ? 0 : x.size() / cols;
        Tensor y = Tensor.empty(be, x.shape());
        if (rows > 0) {
            be.softmax(x, rows, cols, y);
        }
        return Autograd.record("softmax", y, gy -> {
            //   gx = y ⊙ (gy − Σ gy·y)
            Tensor gx = Tensor.empty(be, x.shape());
            if (rows > 0) {
                be.softmaxBackward(y, gy, rows, cols, gx);
            }
            return new Tensor[] {gx};
        }, x);
    }
}
