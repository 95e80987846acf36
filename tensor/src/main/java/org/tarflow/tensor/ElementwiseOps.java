package org.tarflow.tensor;

import java.util.Arrays;

/** Broadcasting arithmetic, scalar affine maps and unary functions, each with its gradient rule. */
final class ElementwiseOps {
    private ElementwiseOps() {
    }

    static void sameBackend(String op, Tensor a, Tensor b) {
        if (a.backend() != b.backend()) {
            throw new IllegalArgumentException(op + ": tensors live on different backends (" + a.backend().name()
                    + " and " + b.backend().name() + "); move one with to(backend)");
        }
    }

    /** out = a op b with NumPy broadcasting. */
    static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase();
        sameBackend(name, a, b);
        int[] outShape = Shapes.broadcast(name, a.shape(), b.shape());
        Tensor out = Tensor.empty(a.backend(), outShape);
        launchBinary(op, a, b, out, outShape);
        return Autograd.record(name, out, gy -> binaryRule(op, a, b, out, gy), a, b);
    }

    private static void launchBinary(BinaryOp op, Tensor a, Tensor b, Tensor out, int[] outShape) {
        int[][] c = Shapes.coalesce(outShape, Shapes.broadcastStrides(a.shape(), outShape),
                Shapes.broadcastStrides(b.shape(), outShape));
        a.backend().binary(op, a, c[1], b, c[2], out, c[0]);
    }

    //   forward: out = a op b                    backward (then summed back to each input's shape):
    //   ADD  ga = gy          gb = gy
    //   SUB  ga = gy          gb = -gy
    //   MUL  ga = gy·b        gb = gy·a
    //   DIV  ga = gy/b        gb = -gy·out/b
    private static Tensor[] binaryRule(BinaryOp op, Tensor a, Tensor b, Tensor out, Tensor gy) {
        Tensor ga = null;
        Tensor gb = null;
        boolean needA = Autograd.needs(a);
        boolean needB = Autograd.needs(b);
        switch (op) {
            case ADD -> {
                if (needA) ga = gy.sumTo(a.shape());
                if (needB) gb = gy.sumTo(b.shape());
            }
            case SUB -> {
                if (needA) ga = gy.sumTo(a.shape());
                if (needB) gb = gy.sumTo(b.shape()).neg();
            }
            case MUL -> {
                if (needA) ga = gy.mul(b).sumTo(a.shape());
                if (needB) gb = gy.mul(a).sumTo(b.shape());
            }
            case DIV -> {
                if (needA) ga = gy.div(b).sumTo(a.shape());
                if (needB) gb = gy.mul(out).div(b).sumTo(b.shape()).neg();
            }
        }
        return new Tensor[] {ga, gb};
    }

    /** target += g in place, same shapes (gradient accumulation; not recorded). */
    static void addInPlace(Tensor target, Tensor g) {
        sameBackend("addInPlace", target, g);
        if (!Arrays.equals(target.shape(), g.shape())) {
            throw new IllegalArgumentException("addInPlace: shapes " + Shapes.str(target.shape()) + " and "
                    + Shapes.str(g.shape()) + " differ");
        }
        int[] shape = {target.size()};
        int[] dense = {1};
        if (target.size() > 0) {
            target.backend().binary(BinaryOp.ADD, target, dense, g, dense, target, shape);
        }
    }

    /** y = alpha·x + beta. */
    static Tensor affine(Tensor x, double alpha, double beta) {
        Tensor y = Tensor.empty(x.backend(), x.shape());
        if (y.size() > 0) {
            x.backend().affine(x, alpha, beta, y);
        }
        //   gx = alpha·gy
        return Autograd.record("affine", y, gy -> new Tensor[] {alpha == 1.0 ? gy : gy.mul(alpha)}, x);
    }

    /** y = op(x). */
    static Tensor unary(UnaryOp op, Tensor x) {
        Tensor y = Tensor.empty(x.backend(), x.shape());
        if (y.size() > 0) {
            x.backend().unary(op, x, y);
        }
        return Autograd.record(op.name().toLowerCase(), y, gy -> {
            //   gx = gy · op'(x)
            Tensor gx = Tensor.empty(x.backend(), x.shape());
            if (gx.size() > 0) {
                x.backend().unaryBackward(op, x, y, gy, gx, false);
            }
            return new Tensor[] {gx};
        }, x);
    }
}
