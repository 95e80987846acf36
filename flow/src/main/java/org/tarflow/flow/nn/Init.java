package org.tarflow.flow.nn;

import java.util.Random;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;

/**
 * Parameter creation with PyTorch's default initialisations, so that a model trained here starts where the
 * reference's would. Parameters live outside every {@link MemoryScope} and require gradients.
 */
public final class Init {
    private Init() {
    }

    /** A parameter filled from host values. */
    public static Tensor parameter(Backend be, float[] values, int... shape) {
        try (MemoryScope u = MemoryScope.unmanaged()) {
            return Tensor.of(be, values, shape).requiresGrad(true);
        }
    }

    /** U(−bound, bound): PyTorch's Linear weight and bias default (kaiming_uniform with a = √5 gives 1/√fan_in). */
    public static Tensor uniform(Backend be, Random rng, double bound, int... shape) {
        float[] v = new float[size(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
        return parameter(be, v, shape);
    }

    /** N(0, std²). */
    public static Tensor normal(Backend be, Random rng, double std, int... shape) {
        float[] v = new float[size(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rng.nextGaussian() * std);
        }
        return parameter(be, v, shape);
    }

    public static Tensor constant(Backend be, float value, int... shape) {
        float[] v = new float[size(shape)];
        java.util.Arrays.fill(v, value);
        return parameter(be, v, shape);
    }

    private static int size(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }
}
