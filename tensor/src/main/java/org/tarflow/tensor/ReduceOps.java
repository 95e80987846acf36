package org.tarflow.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Sums and means over axes, and broadcasting's pair: expand (forward) and sumTo (its gradient). */
final class ReduceOps {
    private ReduceOps() {
    }

    static Tensor sum(Tensor x, int[] axes, boolean keepDims, double scale) {
        int[] shape = x.shape();
        boolean[] mask = Shapes.axisMask("sum", axes, shape.length);
        int[] kept = keptShape(shape, mask);
        Tensor y = reduceMasked(x, mask, scale);
        Tensor out = y.reshape(keepDims ? kept : dropMasked(shape, mask));
        //   gx = scale · expand(gy)
        return Autograd.record("sum", out, gy -> new Tensor[] {expandScaled(gy.reshape(kept), shape, scale)}, x);
    }

    static Tensor mean(Tensor x, int[] axes, boolean keepDims) {
        int[] shape = x.shape();
        boolean[] mask = Shapes.axisMask("mean", axes, shape.length);
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (mask[i]) {
                count *= shape[i];
            }
        }
        if (count == 0) {
            throw new IllegalArgumentException("mean: reducing " + Shapes.str(shape) + " over an empty axis");
        }
        return sum(x, axes, keepDims, 1.0 / count);
    }

    /** Reduces the axes where {@code target} (right-aligned) is 1 or missing. */
    static Tensor sumTo(Tensor x, int[] target) {
        int[] shape = x.shape();
        if (Arrays.equals(shape, target)) {
            return x;
        }
        int[] check = Shapes.broadcast("sumTo", target, shape);
        if (!Arrays.equals(check, shape)) {
            throw new IllegalArgumentException("sumTo: " + Shapes.str(shape) + " cannot be summed to " + Shapes.str(target));
        }
        boolean[] mask = new boolean[shape.length];
        int lead = shape.length - target.length;
        for (int i = 0; i < shape.length; i++) {
            mask[i] = i < lead || (target[i - lead] == 1 && shape[i] != 1);
        }
        Tensor y = reduceMasked(x, mask, 1.0).reshape(target);
        return Autograd.record("sumTo", y, gy -> new Tensor[] {expandScaled(gy, shape, 1.0)}, x);
    }

    static Tensor expand(Tensor x, int[] target) {
        int[] shape = x.shape();
        int[] check = Shapes.broadcast("expand", shape, target);
        if (!Arrays.equals(check, target)) {
            throw new IllegalArgumentException("expand: " + Shapes.str(shape) + " cannot be broadcast to " + Shapes.str(target));
        }
        Tensor y = expandScaled(x, target, 1.0);
        return Autograd.record("expand", y, gy -> new Tensor[] {gy.sumTo(shape)}, x);
    }

    /** Broadcast copy (times scale), not recorded. */
    private static Tensor expandScaled(Tensor x, int[] target, double scale) {
        Tensor y = Tensor.empty(x.backend(), target);
        if (y.size() > 0) {
            int[][] c = Shapes.coalesce(target, Shapes.broadcastStrides(x.shape(), target), Shapes.strides(target));
            x.backend().copy(x, 0, c[1], y, 0, c[2], c[0], false);
            if (scale != 1.0) {
                x.backend().affine(y, scale, 0.0, y);
            }
        }
        return y;
    }

    private static int[] keptShape(int[] shape, boolean[] mask) {
        int[] k = shape.clone();
        for (int i = 0; i < k.length; i++) {
            if (mask[i]) {
                k[i] = 1;
            }
        }
        return k;
    }

    private static int[] dropMasked(int[] shape, boolean[] mask) {
        int n = 0;
        for (boolean m : mask) {
            if (!m) {
                n++;
            }
        }
        int[] out = new int[n];
        int j = 0;
        for (int i = 0; i < shape.length; i++) {
            if (!mask[i]) {
                out[j++] = shape[i];
            }
        }
        return out;
    }

    /**
     * Reduces the masked axes with as few kernel launches as possible: adjacent axes of the same kind are merged
     * into groups (kept, reduced, kept, ...) and each reduced group costs one [outer, reduce, inner] launch, the last
     * group first. Returns a dense tensor holding the kept axes in order (callers reshape it).
     */
    private static Tensor reduceMasked(Tensor x, boolean[] mask, double scale) {
        int[] shape = x.shape();
        List<int[]> groups = new ArrayList<>(); // {size, reduced?1:0}
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) {
                continue;
            }
            int kind = mask[i] ? 1 : 0;
            if (!groups.isEmpty() && groups.get(groups.size() - 1)[1] == kind) {
                groups.get(groups.size() - 1)[0] *= shape[i];
            } else {
                groups.add(new int[] {shape[i], kind});
            }
        }
        int keptSize = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!mask[i]) {
                keptSize *= shape[i];
            }
        }
        Backend be = x.backend();
        boolean anyReduced = groups.stream().anyMatch(g -> g[1] == 1);
        boolean emptyReduce = false;
        for (int i = 0; i < shape.length; i++) {
            if (mask[i] && shape[i] == 0) {
                emptyReduce = true;
            }
        }
        if (emptyReduce || x.size() == 0) {
            return Tensor.zeros(be, keptSize);
        }
        if (!anyReduced) {
            Tensor y = Tensor.empty(be, keptSize);
            be.affine(x, scale, 0.0, y);
            return y;
        }
        Tensor cur = x;
        boolean scaled = false;
        for (int gi = groups.size() - 1; gi >= 0; gi--) {
            if (groups.get(gi)[1] == 0) {
                continue;
            }
            int outer = 1;
            for (int j = 0; j < gi; j++) {
                outer *= groups.get(j)[0];
            }
            int inner = 1;
            for (int j = gi + 1; j < groups.size(); j++) {
                inner *= groups.get(j)[0];
            }
            int reduce = groups.get(gi)[0];
            Tensor next = Tensor.empty(be, outer * inner);
            be.sum(cur, outer, reduce, inner, scaled ? 1.0 : scale, next, false);
            scaled = true;
            cur = next;
            groups.remove(gi);
        }
        return cur;
    }
}
