package org.tarflow.tensor.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.reference.ReferenceBackend;

/**
 * The forward-and-gradient test helper every backend runs (tinygrad's idea): one function of some tensors is
 * evaluated on the backend under test and on the float64 reference backend from identical float32 inputs; the outputs
 * and the gradients of L = Σ y·W (W random) with respect to every input are compared, and each comparison prints its
 * maximum difference. When the backend under test is the reference itself, its analytic gradients are checked against
 * central differences instead (float64 makes them accurate to about 1e-9).
 */
public final class OpCheck {
    /** How an input's values are drawn. */
    public enum Dist {
        /** Standard normal. */
        NORMAL,
        /** Uniform in [0.5, 2): for log, sqrt, division. */
        POSITIVE,
        /** Normal scaled by 3: exercises the tails of GELU, tanh and softmax. */
        WIDE
    }

    /** One input: its shape, distribution and whether its gradient is checked. */
    public record Input(int[] shape, Dist dist, boolean grad) {
        public static Input of(int... shape) {
            return new Input(shape, Dist.NORMAL, true);
        }

        public static Input positive(int... shape) {
            return new Input(shape, Dist.POSITIVE, true);
        }

        public static Input wide(int... shape) {
            return new Input(shape, Dist.WIDE, true);
        }

        public Input constant() {
            return new Input(shape, dist, false);
        }
    }

    /** Tolerances, relative to the largest magnitude of the reference tensor (absolute below 1). */
    public record Tolerance(double forward, double gradient) {
    }

    private static final ReferenceBackend REFERENCE = new ReferenceBackend();
    /** Coordinates probed per input by central differences. */
    private static final int FD_PROBES = 24;
    /**
     * Central differences in float64 with h = 1e-6 are accurate to about 1e-9 relative (truncation h², rounding
     * 1e-16·|L|/h); 1e-6 leaves room for the largest losses here and still catches any wrong rule.
     */
    private static final double FD_TOLERANCE = 1e-6;

    private OpCheck() {
    }

    public static ReferenceBackend reference() {
        return REFERENCE;
    }

    /** Runs the check; fails with the op name, tensor and difference when a tolerance is exceeded. */
    public static void check(Backend backend, String name, Tolerance tol, Function<Tensor[], Tensor> fn,
                             Input... inputs) {
        Random rng = new Random(name.hashCode() * 31L + Arrays.deepHashCode(shapes(inputs)));
        float[][] data = new float[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            data[i] = draw(rng, inputs[i]);
        }
        try (MemoryScope scope = MemoryScope.open()) {
            Run ref = run(REFERENCE, fn, inputs, data, null);
            float[] weights = new float[ref.y.length];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = (float) rng.nextGaussian();
            }
            ref = run(REFERENCE, fn, inputs, data, weights);
            if (backend instanceof ReferenceBackend) {
                finiteDifferences(name, fn, inputs, data, weights, ref, FD_TOLERANCE);
                return;
            }
            Run got = run(backend, fn, inputs, data, weights);
            compare(name, backend.name(), "output", got.y, ref.y, tol.forward());
            for (int i = 0; i < inputs.length; i++) {
                if (inputs[i].grad()) {
                    compare(name, backend.name(), "grad[" + i + "]", got.grads[i], ref.grads[i], tol.gradient());
                }
            }
        }
    }

    /** Forward only (no gradient), e.g. for ops without a backward pass. */
    public static double[] forward(Backend backend, Function<Tensor[], Tensor> fn, Input[] inputs, float[][] data) {
        try (MemoryScope scope = MemoryScope.open(); GradMode.Off off = GradMode.off()) {
            Tensor[] xs = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                xs[i] = Tensor.of(backend, data[i], inputs[i].shape());
            }
            return fn.apply(xs).toDoubleArray();
        }
    }

    private static int[][] shapes(Input[] inputs) {
        int[][] s = new int[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            s[i] = inputs[i].shape();
        }
        return s;
    }

    public static float[] draw(Random rng, Input in) {
        int n = 1;
        for (int d : in.shape()) {
            n *= d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (in.dist()) {
                case NORMAL -> (float) rng.nextGaussian();
                case POSITIVE -> 0.5f + 1.5f * rng.nextFloat();
                case WIDE -> (float) (3 * rng.nextGaussian());
            };
        }
        return v;
    }

    private record Run(double[] y, double[][] grads) {
    }

    private static Run run(Backend be, Function<Tensor[], Tensor> fn, Input[] inputs, float[][] data, float[] w) {
        Tensor[] xs = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            xs[i] = Tensor.of(be, data[i], inputs[i].shape()).requiresGrad(inputs[i].grad());
        }
        Tensor y = fn.apply(xs);
        double[] yv = y.toDoubleArray();
        double[][] grads = new double[inputs.length][];
        if (w != null && y.requiresGrad()) {
            Tensor seed = Tensor.of(be, w, y.shape());
            y.backward(seed);
            for (int i = 0; i < inputs.length; i++) {
                if (inputs[i].grad()) {
                    Tensor g = xs[i].grad();
                    grads[i] = g == null ? new double[xs[i].size()] : g.toDoubleArray();
                }
            }
        }
        return new Run(yv, grads);
    }

    private static double loss(Function<Tensor[], Tensor> fn, Input[] inputs, double[][] data, float[] w) {
        try (MemoryScope scope = MemoryScope.open(); GradMode.Off off = GradMode.off()) {
            Tensor[] xs = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                xs[i] = Tensor.of(REFERENCE, data[i], inputs[i].shape());
            }
            double[] y = fn.apply(xs).toDoubleArray();
            double l = 0;
            for (int i = 0; i < y.length; i++) {
                l += y[i] * w[i];
            }
            return l;
        }
    }

    private static void finiteDifferences(String name, Function<Tensor[], Tensor> fn, Input[] inputs, float[][] data,
                                          float[] w, Run ref, double tol) {
        double[][] x = new double[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            x[i] = new double[data[i].length];
            for (int j = 0; j < data[i].length; j++) {
                x[i][j] = data[i][j];
            }
        }
        Random rng = new Random(name.hashCode());
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].grad() || x[i].length == 0) {
                continue;
            }
            List<Integer> probes = new ArrayList<>();
            probes.add(0);
            probes.add(x[i].length - 1);
            while (probes.size() < Math.min(FD_PROBES, x[i].length)) {
                probes.add(rng.nextInt(x[i].length));
            }
            double maxAbs = 0;
            for (double g : ref.grads[i]) {
                maxAbs = Math.max(maxAbs, Math.abs(g));
            }
            double worst = 0;
            for (int j : probes) {
                double orig = x[i][j];
                double h = 1e-6 * Math.max(1.0, Math.abs(orig));
                x[i][j] = orig + h;
                double lp = loss(fn, inputs, x, w);
                x[i][j] = orig - h;
                double lm = loss(fn, inputs, x, w);
                x[i][j] = orig;
                double numeric = (lp - lm) / (2 * h);
                worst = Math.max(worst, Math.abs(numeric - ref.grads[i][j]));
            }
            double rel = worst / Math.max(1.0, maxAbs);
            System.out.printf("  %-28s %-10s grad[%d] vs central differences  max|diff| %.3e  (rel %.2e, tol %.1e)%n",
                    name, "reference", i, worst, rel, tol);
            final int input = i;
            final double w0 = worst;
            final double scale = maxAbs;
            assertTrue(rel <= tol, () -> name + ": reference gradient of input " + input
                    + " differs from central differences by " + w0 + " (gradient scale " + scale + ")");
        }
    }

    /** Max |got − ref| relative to max(1, max |ref|), printed, asserted against tol; NaNs fail. */
    public static double compare(String op, String backend, String what, double[] got, double[] ref, double tol) {
        if (got.length != ref.length) {
            throw new AssertionError(op + " " + what + ": " + got.length + " values, the reference has " + ref.length);
        }
        double maxAbs = 0;
        double worst = 0;
        int at = -1;
        for (int i = 0; i < ref.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(ref[i]));
            double d = Math.abs(got[i] - ref[i]);
            if (Double.isNaN(got[i]) != Double.isNaN(ref[i])) {
                d = Double.POSITIVE_INFINITY;
            }
            if (d > worst || (at < 0 && d >= worst)) {
                worst = d;
                at = i;
            }
        }
        double rel = worst / Math.max(1.0, maxAbs);
        System.out.printf("  %-28s %-10s %-8s max|diff| %.3e  (rel %.2e, tol %.1e)%n", op, backend, what, worst, rel, tol);
        final int where = at;
        final double w = worst;
        final double scale = maxAbs;
        assertTrue(rel <= tol, () -> op + " " + what + " on " + backend + ": max |diff| " + w + " at element " + where
                + " (got " + (where >= 0 ? got[where] : 0) + ", reference " + (where >= 0 ? ref[where] : 0)
                + ", reference max |value| " + scale + ") exceeds " + tol);
        return worst;
    }
}
