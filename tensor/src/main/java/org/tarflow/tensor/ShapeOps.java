package org.tarflow.tensor;

import java.util.Arrays;

/**
 * Reshape, permute, slice, concat, shift, flip, row gather and in-place slice writes. All but reshape and
 * leading-axis slices copy through the backend's strided-copy kernel.
 */
final class ShapeOps {
    private ShapeOps() {
    }

    static Tensor reshape(Tensor x, int[] newShape) {
        int[] target = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.length; i++) {
            if (target[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("reshape: more than one -1 in " + Shapes.str(newShape));
                }
                infer = i;
            } else if (target[i] < 0) {
                throw new IllegalArgumentException("reshape: negative size in " + Shapes.str(newShape));
            } else {
                known *= target[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || x.size() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot infer -1 in " + Shapes.str(newShape) + " for "
                        + Shapes.str(x.shape()) + " (" + x.size() + " elements)");
            }
            target[infer] = (int) (x.size() / known);
        } else if (known != x.size()) {
            throw new IllegalArgumentException("reshape: " + Shapes.str(x.shape()) + " (" + x.size()
                    + " elements) cannot become " + Shapes.str(newShape));
        }
        int[] old = x.shape();
        if (Arrays.equals(old, target)) {
            return x;
        }
        Tensor y = x.view(0, target);
        return Autograd.record("reshape", y, gy -> new Tensor[] {gy.reshape(old)}, x);
    }

    static Tensor permute(Tensor x, int[] axes) {
        int[] s = x.shape();
        if (axes.length != s.length) {
            throw new IllegalArgumentException("permute: " + axes.length + " axes given for " + Shapes.str(s));
        }
        int[] perm = new int[axes.length];
        boolean[] seen = new boolean[axes.length];
        for (int i = 0; i < axes.length; i++) {
            perm[i] = Shapes.axis("permute", axes[i], s.length);
            if (seen[perm[i]]) {
                throw new IllegalArgumentException("permute: axis repeated in " + Arrays.toString(axes));
            }
            seen[perm[i]] = true;
        }
        int[] srcStrides = Shapes.strides(s);
        int[] outShape = new int[s.length];
        int[] readStrides = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            outShape[i] = s[perm[i]];
            readStrides[i] = srcStrides[perm[i]];
        }
        Tensor y = Tensor.empty(x.backend(), outShape);
        if (y.size() > 0) {
            int[][] c = Shapes.coalesce(outShape, readStrides, Shapes.strides(outShape));
            x.backend().copy(x, 0, c[1], y, 0, c[2], c[0], false);
        }
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inverse[perm[i]] = i;
        }
        return Autograd.record("permute", y, gy -> new Tensor[] {gy.permute(inverse)}, x);
    }

    static Tensor transpose(Tensor x, int a1, int a2) {
        int rank = x.rank();
        int[] axes = Shapes.allAxes(rank);
        int i = Shapes.axis("transpose", a1, rank);
        int j = Shapes.axis("transpose", a2, rank);
        axes[i] = j;
        axes[j] = i;
        return permute(x, axes);
    }

    static Tensor slice(Tensor x, int axis, int from, int to) {
        int[] s = x.shape();
        int ax = Shapes.axis("slice", axis, s.length);
        if (from < 0 || to > s[ax] || from > to) {
            throw new IllegalArgumentException("slice: range [" + from + ", " + to + ") is outside axis " + axis
                    + " of " + Shapes.str(s));
        }
        int[] outShape = s.clone();
        outShape[ax] = to - from;
        int[] strides = Shapes.strides(s);
        Tensor y;
        if (Shapes.size(s, 0, ax) <= 1) {
            y = x.view(from * strides[ax], outShape); // contiguous window: share the storage
        } else {
            y = Tensor.empty(x.backend(), outShape);
            if (y.size() > 0) {
                int[][] c = Shapes.coalesce(outShape, strides, Shapes.strides(outShape));
                x.backend().copy(x, from * strides[ax], c[1], y, 0, c[2], c[0], false);
            }
        }
        return Autograd.record("slice", y, gy -> {
            //   gx = zeros with gy written at [from, to)
            Tensor gx = Tensor.zeros(x.backend(), s);
            writeWindow(gy, gx, ax, from, false);
            return new Tensor[] {gx};
        }, x);
    }

    static Tensor concat(int axis, Tensor[] parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("concat: no tensors");
        }
        int[] first = parts[0].shape();
        int ax = Shapes.axis("concat", axis, first.length);
        int total = 0;
        for (Tensor p : parts) {
            ElementwiseOps.sameBackend("concat", parts[0], p);
            int[] ps = p.shape();
            boolean ok = ps.length == first.length;
            for (int i = 0; ok && i < ps.length; i++) {
                ok = i == ax || ps[i] == first[i];
            }
            if (!ok) {
                throw new IllegalArgumentException("concat: shape " + Shapes.str(ps) + " does not match "
                        + Shapes.str(first) + " outside axis " + axis);
            }
            total += ps[ax];
        }
        int[] outShape = first.clone();
        outShape[ax] = total;
        Tensor y = Tensor.empty(parts[0].backend(), outShape);
        int[] starts = new int[parts.length];
        int at = 0;
        for (int i = 0; i < parts.length; i++) {
            starts[i] = at;
            writeWindow(parts[i], y, ax, at, false);
            at += parts[i].dim(ax);
        }
        return Autograd.record("concat", y, gy -> {
            Tensor[] g = new Tensor[parts.length];
            for (int i = 0; i < parts.length; i++) {
                if (Autograd.needs(parts[i])) {
                    g[i] = gy.slice(ax, starts[i], starts[i] + parts[i].dim(ax));
                }
            }
            return g;
        }, parts);
    }

    static Tensor shift(Tensor x, int axis, int by) {
        int[] s = x.shape();
        int ax = Shapes.axis("shift", axis, s.length);
        Tensor y = Tensor.zeros(x.backend(), s);
        int len = s[ax] - Math.abs(by);
        if (len > 0 && y.size() > 0) {
            int[] strides = Shapes.strides(s);
            int[] window = s.clone();
            window[ax] = len;
            int srcStart = by >= 0 ? 0 : -by;
            int dstStart = by >= 0 ? by : 0;
            int[][] c = Shapes.coalesce(window, strides, strides);
            x.backend().copy(x, srcStart * strides[ax], c[1], y, dstStart * strides[ax], c[2], c[0], false);
        }
        //   gx = shift(gy, -by)
        return Autograd.record("shift", y, gy -> new Tensor[] {gy.shift(ax, -by)}, x);
    }

    static Tensor flip(Tensor x, int axis) {
        int[] s = x.shape();
        int ax = Shapes.axis("flip", axis, s.length);
        Tensor y = Tensor.empty(x.backend(), s);
        if (y.size() > 0) {
            int[] strides = Shapes.strides(s);
            int[] read = strides.clone();
            read[ax] = -strides[ax];
            x.backend().copy(x, (s[ax] - 1) * strides[ax], read, y, 0, strides, s, false);
        }
        return Autograd.record("flip", y, gy -> new Tensor[] {gy.flip(ax)}, x);
    }

    static Tensor gatherRows(Tensor table, int[] index) {
        int[] s = table.shape();
        if (s.length < 1) {
            throw new IllegalArgumentException("gatherRows: the table needs at least one axis");
        }
        for (int i : index) {
            if (i < 0 || i >= s[0]) {
                throw new IllegalArgumentException("gatherRows: index " + i + " is outside the table's " + s[0] + " rows");
            }
        }
        int cols = Shapes.size(s, 1, s.length);
        int[] outShape = s.clone();
        outShape[0] = index.length;
        Tensor y = Tensor.empty(table.backend(), outShape);
        int[] idx = index.clone();
        if (y.size() > 0) {
            table.backend().gatherRows(table, idx, cols, y);
        }
        return Autograd.record("gatherRows", y, gy -> {
            Tensor g = Tensor.zeros(table.backend(), s);
            if (gy.size() > 0) {
                table.backend().scatterAddRows(gy, idx, cols, g);
            }
            return new Tensor[] {g};
        }, table);
    }

    /** In-place write of src into dst at [start, start + src.dim(axis)) along axis. Not recorded. */
    static void setSlice(Tensor dst, int axis, int start, Tensor src) {
        ElementwiseOps.sameBackend("setSlice", dst, src);
        int[] ds = dst.shape();
        int[] ss = src.shape();
        int ax = Shapes.axis("setSlice", axis, ds.length);
        boolean ok = ss.length == ds.length && start >= 0 && start + ss[ax] <= ds[ax];
        for (int i = 0; ok && i < ds.length; i++) {
            ok = i == ax || ss[i] == ds[i];
        }
        if (!ok) {
            throw new IllegalArgumentException("setSlice: " + Shapes.str(ss) + " does not fit " + Shapes.str(ds)
                    + " at " + start + " along axis " + axis);
        }
        if (GradMode.isEnabled() && (dst.requiresGrad() || src.requiresGrad())) {
            throw new IllegalStateException("setSlice writes in place and records no gradient: run it under"
                    + " GradMode.off() on tensors that do not require gradients");
        }
        writeWindow(src, dst, ax, start, false);
    }

    /** dst ← src (same number of elements), not recorded. */
    static void assign(Tensor dst, Tensor src) {
        ElementwiseOps.sameBackend("set", dst, src);
        if (dst.size() != src.size()) {
            throw new IllegalArgumentException("set: " + Shapes.str(src.shape()) + " has " + src.size()
                    + " elements, the target " + Shapes.str(dst.shape()) + " has " + dst.size());
        }
        if (dst.size() > 0) {
            int[] one = {1};
            dst.backend().copy(src, 0, one, dst, 0, one, new int[] {dst.size()}, false);
        }
    }

    /** Copies src into the window of dst starting at {@code start} along {@code ax}. */
    private static void writeWindow(Tensor src, Tensor dst, int ax, int start, boolean accumulate) {
        if (src.size() == 0) {
            return;
        }
        int[] ds = dst.shape();
        int[] ss = src.shape();
        int[] dstStrides = Shapes.strides(ds);
        int[][] c = Shapes.coalesce(ss, Shapes.strides(ss), dstStrides);
        dst.backend().copy(src, 0, c[1], dst, start * dstStrides[ax], c[2], c[0], accumulate);
    }
}
