package org.tarflow.tensor;

/** TarFlow's causal affine step as one fused op with its own backward kernel. */
final class CouplingOps {
    private CouplingOps() {
    }

    //   forward:  z_i = (x_i − μ_{i−1})·exp(−α_{i−1}) for i ≥ 1, z_0 = x_0
    //   backward: gx = gz·e^{−α}, gα = −gz·z, gμ = −gz·e^{−α}   (at the row that predicted them)
    static Tensor causalAffine(Tensor x, Tensor p, boolean withScale) {
        ElementwiseOps.sameBackend("causalAffine", x, p);
        int[] xs = x.shape();
        int[] ps = p.shape();
        if (xs.length != 3 || ps.length != 3 || ps[0] != xs[0] || ps[1] != xs[1]
                || ps[2] != (withScale ? 2 : 1) * xs[2]) {
            throw new IllegalArgumentException("causalAffine: x " + Shapes.str(xs) + " and parameters " + Shapes.str(ps)
                    + " must be [B, N, D] and [B, N, " + (withScale ? "2D" : "D") + "]");
        }
        Backend be = x.backend();
        Tensor z = Tensor.empty(be, xs);
        if (z.size() > 0) {
            be.causalAffine(x, p, xs[0], xs[1], xs[2], withScale, z);
        }
        return Autograd.record("causalAffine", z, gz -> {
            Tensor gx = Tensor.empty(be, xs);
            Tensor gp = Tensor.empty(be, ps);
            if (gx.size() > 0) {
                be.causalAffineBackward(p, z, gz, xs[0], xs[1], xs[2], withScale, gx, gp);
            }
            return new Tensor[] {gx, gp};
        }, x, p);
    }
}
