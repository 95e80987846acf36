package org.tarflow.tensor;

import java.util.Arrays;

/** Shape arithmetic shared by the ops: sizes, strides, axis normalisation, broadcasting and dimension merging. */
public final class Shapes {
    private Shapes() {
    }

    /** A defensive copy of a shape, rejecting negative sizes and products that overflow an int. */
    public static int[] checked(String op, int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(op + ": negative size in shape " + Arrays.toString(shape));
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(op + ": shape " + Arrays.toString(shape) + " has more than 2^31-1 elements");
            }
        }
        return shape.clone();
    }

    public static int size(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Product of shape[from, to). */
    public static int size(int[] shape, int from, int to) {
        int n = 1;
        for (int i = from; i < to; i++) {
            n *= shape[i];
        }
        return n;
    }

    /** Dense row-major strides. */
    public static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** Normalises a possibly negative axis. */
    public static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for rank " + rank);
        }
        return a;
    }

    public static int[] allAxes(int rank) {
        int[] a = new int[rank];
        for (int i = 0; i < rank; i++) {
            a[i] = i;
        }
        return a;
    }

    /** Normalised, sorted, duplicate-free axes as a mask. */
    static boolean[] axisMask(String op, int[] axes, int rank) {
        boolean[] mask = new boolean[rank];
        for (int a : axes) {
            int n = axis(op, a, rank);
            if (mask[n]) {
                throw new IllegalArgumentException(op + ": axis " + a + " given twice");
            }
            mask[n] = true;
        }
        return mask;
    }

    /** NumPy broadcast of two shapes, or an error naming the op and both shapes. */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Strides that read a dense tensor of shape {@code src} as if broadcast to {@code out} (0 on broadcast axes). */
    public static int[] broadcastStrides(int[] src, int[] out) {
        int[] dense = strides(src);
        int[] s = new int[out.length];
        int lead = out.length - src.length;
        for (int i = 0; i < out.length; i++) {
            if (i < lead || src[i - lead] == 1) {
                s[i] = 0;
            } else {
                s[i] = dense[i - lead];
            }
        }
        return s;
    }

    /**
     * Merges adjacent axes that every operand walks contiguously and drops size-1 axes, so kernels see the fewest
     * dimensions. Returns {shape, strides of operand 0, strides of operand 1, ...}.
     */
    public static int[][] coalesce(int[] shape, int[]... strides) {
        int rank = shape.length;
        int[] outShape = new int[rank];
        int[][] outStrides = new int[strides.length][rank];
        int r = 0;
        for (int i = 0; i < rank; i++) {
            if (shape[i] == 1) {
                continue;
            }
            if (r > 0) {
                boolean merge = true;
                for (int[] s : strides) {
                    int prev = lastStride(outStrides, strides, s, r);
                    if (prev != s[i] * shape[i]) {
                        merge = false;
                        break;
                    }
                }
                if (merge) {
                    outShape[r - 1] *= shape[i];
                    for (int k = 0; k < strides.length; k++) {
                        outStrides[k][r - 1] = strides[k][i];
                    }
                    continue;
                }
            }
            outShape[r] = shape[i];
            for (int k = 0; k < strides.length; k++) {
                outStrides[k][r] = strides[k][i];
            }
            r++;
        }
        int[][] result = new int[strides.length + 1][];
        result[0] = Arrays.copyOf(outShape, r);
        for (int k = 0; k < strides.length; k++) {
            result[k + 1] = Arrays.copyOf(outStrides[k], r);
        }
        return result;
    }

    private static int lastStride(int[][] outStrides, int[][] strides, int[] s, int r) {
        for (int k = 0; k < strides.length; k++) {
            if (strides[k] == s) {
                return outStrides[k][r - 1];
            }
        }
        throw new AssertionError();
    }

    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }
}
