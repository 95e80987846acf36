package org.tarflow.tensor.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tarflow.tensor.testing.OpCheck.Input;

import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.TestInstance;
import org.tarflow.tensor.AdamWStep;
import org.tarflow.tensor.AttentionSpec;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.testing.OpCheck.Tolerance;

/**
 * The conformance suite every backend runs: forward values and gradients of every op against the float64 reference
 * backend, on odd shapes (1, 3, 17, 37×53×71, empty batches) and on a two-layer Transformer composite. A backend module
 * subclasses it and supplies {@link #backend()}. On the reference backend itself, the same calls check its gradients
 * against central differences.
 *
 * <p>Tolerances are relative to the largest magnitude of the reference result (absolute below 1). A float32 kernel
 * rounds each result to 2^-24 ≈ 6e-8 relative; sums of n terms drift by about √n of those, so single kernels on these
 * shapes (n ≤ 4000) stay below 1e-5; gradients through a whole Transformer layer chain several such kernels, 1e-4.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendConformanceSuite {

    /** The backend under test. */
    protected abstract Backend backend();

    protected static final Tolerance ELEMENTWISE = new Tolerance(2e-6, 2e-6);
    protected static final Tolerance REDUCTION = new Tolerance(1e-5, 1e-5);
    protected static final Tolerance KERNEL = new Tolerance(1e-5, 2e-5);
    protected static final Tolerance COMPOSITE = new Tolerance(1e-4, 1e-4);

    private void check(String name, Tolerance tol, Function<Tensor[], Tensor> fn, Input... inputs) {
        OpCheck.check(backend(), name, tol, fn, inputs);
    }

    // ------------------------------------------------------------------ elementwise

    @Test
    void unaryOps() {
        int[][] shapes = {{1}, {3}, {17}, {37, 53, 71}};
        for (int[] s : shapes) {
            check("neg", ELEMENTWISE, x -> x[0].neg(), Input.of(s));
            check("exp", ELEMENTWISE, x -> x[0].exp(), Input.of(s));
            check("log", ELEMENTWISE, x -> x[0].log(), Input.positive(s));
            check("square", ELEMENTWISE, x -> x[0].square(), Input.wide(s));
            check("sqrt", ELEMENTWISE, x -> x[0].sqrt(), Input.positive(s));
            check("gelu", ELEMENTWISE, x -> x[0].gelu(), Input.wide(s));
            check("tanh", ELEMENTWISE, x -> x[0].tanh(), Input.wide(s));
            check("affine", ELEMENTWISE, x -> x[0].affine(-1.5, 0.25), Input.of(s));
        }
    }

    @Test
    void geluTailsAndZero() {
        float[] v = {-12f, -6f, -3.5f, -1e-3f, 0f, 1e-3f, 0.7f, 3.5f, 6f, 12f};
        Function<Tensor[], Tensor> gelu = x -> x[0].gelu();
        Input[] in = {Input.of(v.length)};
        double[] ref = OpCheck.forward(OpCheck.reference(), gelu, in, new float[][] {v});
        double[] got = OpCheck.forward(backend(), gelu, in, new float[][] {v});
        OpCheck.compare("gelu tails", backend().name(), "output", got, ref, 1e-6);
    }

    @Test
    void binaryOpsBroadcast() {
        int[][][] pairs = {
            {{1}, {1}}, {{3}, {3}}, {{17}, {}}, {{17, 3}, {3}}, {{17, 3}, {17, 1}},
            {{5, 1, 7}, {1, 4, 1}}, {{37, 53, 71}, {53, 1}}, {{37, 53, 71}, {37, 53, 71}}, {{2, 49, 16}, {2, 1, 1}},
        };
        for (int[][] p : pairs) {
            check("add", ELEMENTWISE, x -> x[0].add(x[1]), Input.of(p[0]), Input.of(p[1]));
            check("sub", ELEMENTWISE, x -> x[0].sub(x[1]), Input.of(p[0]), Input.of(p[1]));
            check("mul", ELEMENTWISE, x -> x[0].mul(x[1]), Input.of(p[0]), Input.of(p[1]));
            check("div", ELEMENTWISE, x -> x[0].div(x[1]), Input.of(p[0]), Input.positive(p[1]));
            check("add(b,a)", ELEMENTWISE, x -> x[1].add(x[0]), Input.of(p[0]), Input.of(p[1]));
        }
    }

    @Test
    void emptyBatch() {
        check("add empty", ELEMENTWISE, x -> x[0].add(x[1]), Input.of(0, 5), Input.of(5));
        check("gelu empty", ELEMENTWISE, x -> x[0].gelu(), Input.of(0, 5));
        check("linear empty", KERNEL, x -> Tensor.linear(x[0], x[1], x[2]), Input.of(0, 7), Input.of(3, 7),
                Input.of(3));
        check("layerNorm empty", KERNEL, x -> x[0].layerNorm(x[1], x[2], 1e-5), Input.of(0, 7), Input.of(7),
                Input.of(7));
        check("attention empty", KERNEL, x -> x[0].attention(2, 4, 0.5, true), Input.of(0, 5, 24));
        check("sum empty", REDUCTION, x -> x[0].sum(false, 0), Input.of(0, 5));
    }

    // ------------------------------------------------------------------ reductions

    @Test
    void sumsAndMeans() {
        check("sum all [1]", REDUCTION, x -> x[0].sum(), Input.of(1));
        check("sum all [17]", REDUCTION, x -> x[0].sum(), Input.of(17));
        check("mean all", REDUCTION, x -> x[0].mean(), Input.of(37, 53, 71));
        check("sum axis0", REDUCTION, x -> x[0].sum(false, 0), Input.of(37, 53, 71));
        check("sum axis1", REDUCTION, x -> x[0].sum(true, 1), Input.of(37, 53, 71));
        check("sum axis2", REDUCTION, x -> x[0].sum(false, -1), Input.of(37, 53, 71));
        check("sum axes0,2", REDUCTION, x -> x[0].sum(false, 0, 2), Input.of(37, 53, 71));
        check("mean axes1,2", REDUCTION, x -> x[0].mean(false, 1, 2), Input.of(3, 49, 16));
        check("sumTo [3]", REDUCTION, x -> x[0].sumTo(3), Input.of(17, 5, 3));
        check("sumTo [17,1,3]", REDUCTION, x -> x[0].sumTo(17, 1, 3), Input.of(17, 5, 3));
        check("expand", REDUCTION, x -> x[0].expand(4, 17, 3), Input.of(17, 1));
    }

    @Test
    void statsCountsNonFinite() {
        try (MemoryScope s = MemoryScope.open()) {
            Tensor t = Tensor.of(backend(), new float[] {1f, -2f, Float.NaN, 3f, Float.POSITIVE_INFINITY}, 5);
            double[] st = backend().stats(t);
            assertEquals(2.0, st[0], 1e-6);
            assertEquals(14.0, st[1], 1e-5);
            assertEquals(2.0, st[2]);
            assertEquals(3.0, st[3], 1e-6);
        }
    }

    // ------------------------------------------------------------------ linear algebra

    @Test
    void matmulShapesAndTransposes() {
        int[][] mnk = {{1, 1, 1}, {3, 5, 17}, {17, 3, 1}, {37, 71, 53}, {64, 64, 64}, {65, 33, 129}, {7, 200, 9}};
        for (int[] s : mnk) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0;
                boolean tb = (t & 2) != 0;
                int[] as = ta ? new int[] {k, m} : new int[] {m, k};
                int[] bs = tb ? new int[] {n, k} : new int[] {k, n};
                check("matmul " + m + "x" + n + "x" + k + (ta ? " tA" : "") + (tb ? " tB" : ""), KERNEL,
                        x -> x[0].matmul(x[1], ta, tb), Input.of(as), Input.of(bs));
            }
        }
    }

    @Test
    void matmulBatched() {
        check("matmul batched", KERNEL, x -> x[0].matmul(x[1]), Input.of(4, 17, 9), Input.of(4, 9, 13));
        check("matmul batched tA tB", KERNEL, x -> x[0].matmul(x[1], true, true), Input.of(3, 9, 17),
                Input.of(3, 13, 9));
        check("matmul shared", KERNEL, x -> x[0].matmul(x[1]), Input.of(2, 5, 3), Input.of(3, 7));
        check("matmul shared tA", KERNEL, x -> x[0].matmul(x[1], true, false), Input.of(2, 3, 5), Input.of(3, 7));
        check("matmul shared tB", KERNEL, x -> x[0].matmul(x[1], false, true), Input.of(2, 5, 3), Input.of(7, 3));
        check("matmul shared tA tB", KERNEL, x -> x[0].matmul(x[1], true, true), Input.of(2, 3, 5), Input.of(7, 3));
    }

    @Test
    void linearWithBias() {
        check("linear 2x3x17 -> 5", KERNEL, x -> Tensor.linear(x[0], x[1], x[2]), Input.of(2, 3, 17),
                Input.of(5, 17), Input.of(5));
        check("linear no bias", KERNEL, x -> Tensor.linear(x[0], x[1], null), Input.of(1, 1), Input.of(3, 1));
        check("linear 49 tokens", KERNEL, x -> Tensor.linear(x[0], x[1], x[2]), Input.of(3, 49, 128),
                Input.of(384, 128), Input.of(384));
        check("linear odd", KERNEL, x -> Tensor.linear(x[0], x[1], x[2]), Input.of(37, 53), Input.of(71, 53),
                Input.of(71));
    }

    // ------------------------------------------------------------------ normalisation

    @Test
    void layerNorm() {
        check("layerNorm [3,17]", KERNEL, x -> x[0].layerNorm(x[1], x[2], 1e-5), Input.of(3, 17), Input.of(17),
                Input.of(17));
        check("layerNorm [37,53,71]", KERNEL, x -> x[0].layerNorm(x[1], x[2], 1e-5), Input.wide(37, 53, 71),
                Input.of(71), Input.of(71));
        check("layerNorm no affine", KERNEL, x -> x[0].layerNorm(null, null, 1e-5), Input.of(5, 128));
        check("layerNorm shifted", KERNEL, x -> x[0].add(30.0).layerNorm(x[1], x[2], 1e-5), Input.of(4, 128),
                Input.of(128), Input.of(128));
    }

    @Test
    void softmax() {
        check("softmax [1]", KERNEL, x -> x[0].softmax(), Input.of(1));
        check("softmax [3,17]", KERNEL, x -> x[0].softmax(), Input.wide(3, 17));
        check("softmax [37,53,71]", KERNEL, x -> x[0].softmax(), Input.wide(37, 53, 71));
    }

    // ------------------------------------------------------------------ attention

    @Test
    void attention() {
        // {5, 63, 2, 64}: batch entries enough that a multi-threaded backend may hand out whole entries (the CPU one does)
        int[][] cfg = {{1, 1, 1, 4}, {2, 3, 1, 4}, {2, 17, 2, 8}, {2, 49, 2, 64}, {1, 37, 3, 16}, {5, 63, 2, 64}};
        for (int[] c : cfg) {
            int b = c[0];
            int t = c[1];
            int h = c[2];
            int d = c[3];
            double scale = 1.0 / Math.sqrt(d);
            check("attention causal " + b + "x" + t + " h" + h + " d" + d, KERNEL,
                    x -> x[0].attention(h, d, scale, true), Input.of(b, t, 3 * h * d));
            check("attention full " + b + "x" + t + " h" + h + " d" + d, KERNEL,
                    x -> x[0].attention(h, d, scale, false), Input.of(b, t, 3 * h * d));
        }
        check("attention hot logits", KERNEL, x -> x[0].attention(2, 16, 1.0, true), Input.wide(2, 17, 96));
    }

    /**
     * Decoding token by token with the KV cache must give the rows of full causal attention, for a small head and
     * for the reference's head size 64 (which backends may give a path of its own).
     */
    @ParameterizedTest
    @ValueSource(ints = {8, 64})
    void attentionDecodeMatchesFullAttention(int d) {
        int b = 3;
        int t = 17;
        int h = 2;
        int c = h * d;
        double scale = 0.3;
        Random rng = new Random(7);
        float[] qkv = OpCheck.draw(rng, Input.of(b, t, 3 * c));
        for (Backend be : new Backend[] {OpCheck.reference(), backend()}) {
            try (MemoryScope s = MemoryScope.open(); GradMode.Off off = GradMode.off()) {
                Tensor all = Tensor.of(be, qkv, b, t, 3 * c);
                double[] full = all.attention(h, d, scale, true).toDoubleArray();
                Tensor kc = Tensor.zeros(be, b, t, c);
                Tensor vc = Tensor.zeros(be, b, t, c);
                Tensor out = Tensor.empty(be, b, c);
                AttentionSpec spec = new AttentionSpec(b, t, h, d, scale, true);
                double maxDiff = 0;
                for (int i = 0; i < t; i++) {
                    Tensor row = all.slice(1, i, i + 1).reshape(b, 3 * c);
                    be.attentionDecode(spec, row, kc, vc, i, null, out);
                    double[] got = out.toDoubleArray();
                    for (int bi = 0; bi < b; bi++) {
                        for (int e = 0; e < c; e++) {
                            maxDiff = Math.max(maxDiff, Math.abs(got[bi * c + e] - full[(bi * t + i) * c + e]));
                        }
                    }
                }
                System.out.printf("  %-28s %-10s decode vs full attention (d=%d) max|diff| %.3e%n",
                        "attentionDecode", be.name(), d, maxDiff);
                assertTrue(maxDiff < 1e-5, "decode differs from full attention on " + be.name() + " by " + maxDiff);
            }
        }
    }

    /** Per-sequence scales let two branches with different temperatures share one decoding batch. */
    @Test
    void attentionDecodePerSampleScale() {
        int b = 2;
        int t = 5;
        int h = 1;
        int d = 4;
        Random rng = new Random(11);
        float[] qkv = OpCheck.draw(rng, Input.wide(b, t, 3 * h * d));
        double[][] results = new double[2][];
        Backend[] bes = {OpCheck.reference(), backend()};
        for (int k = 0; k < 2; k++) {
            Backend be = bes[k];
            try (MemoryScope s = MemoryScope.open(); GradMode.Off off = GradMode.off()) {
                Tensor all = Tensor.of(be, qkv, b, t, 3 * h * d);
                Tensor kc = Tensor.zeros(be, b, t, h * d);
                Tensor vc = Tensor.zeros(be, b, t, h * d);
                Tensor out = Tensor.empty(be, b, h * d);
                AttentionSpec spec = new AttentionSpec(b, t, h, d, 1.0, true);
                for (int i = 0; i < t; i++) {
                    be.attentionDecode(spec, all.slice(1, i, i + 1).reshape(b, 3 * h * d), kc, vc, i,
                            new double[] {0.5, 2.0}, out);
                }
                results[k] = out.toDoubleArray();
                // the second sequence alone with scale 2 must give the same last row
                Tensor second = all.slice(0, 1, 2);
                double[] alone = second.attention(h, d, 2.0, true).toDoubleArray();
                for (int e = 0; e < h * d; e++) {
                    assertEquals(alone[(t - 1) * h * d + e], results[k][h * d + e], 1e-5);
                }
            }
        }
        OpCheck.compare("attentionDecode scales", backend().name(), "output", results[1], results[0], 1e-5);
    }

    // ------------------------------------------------------------------ movement

    @Test
    void movement() {
        check("reshape", ELEMENTWISE, x -> x[0].reshape(17, -1).mul(x[0].reshape(17, -1)), Input.of(3, 17, 5));
        check("permute 3d", ELEMENTWISE, x -> x[0].permute(2, 0, 1), Input.of(37, 53, 71));
        check("permute patchify", ELEMENTWISE,
                x -> x[0].reshape(2, 3, 7, 4, 7, 4).permute(0, 2, 4, 1, 3, 5).reshape(2, 49, 48), Input.of(2, 3, 28, 28));
        check("transpose", ELEMENTWISE, x -> x[0].transpose(0, 1), Input.of(17, 3));
        check("slice axis0 (view)", ELEMENTWISE, x -> x[0].slice(0, 1, 3), Input.of(4, 5));
        check("slice axis1", ELEMENTWISE, x -> x[0].slice(1, 2, 49), Input.of(3, 49, 16));
        check("slice last", ELEMENTWISE, x -> x[0].slice(-1, 16, 32), Input.of(3, 49, 32));
        check("concat", ELEMENTWISE, x -> Tensor.concat(1, x[0], x[1], x[0]), Input.of(3, 1, 16), Input.of(3, 48, 16));
        check("shift +1", ELEMENTWISE, x -> x[0].shift(1, 1), Input.of(3, 49, 32));
        check("shift -2", ELEMENTWISE, x -> x[0].shift(0, -2), Input.of(17));
        check("shift all out", ELEMENTWISE, x -> x[0].shift(0, 5), Input.of(3, 2));
        check("flip tokens", ELEMENTWISE, x -> x[0].flip(1), Input.of(3, 49, 16));
        check("flip [1]", ELEMENTWISE, x -> x[0].flip(0), Input.of(1));
        check("gatherRows", ELEMENTWISE, x -> x[0].gatherRows(new int[] {2, 0, 2, 9, 5}), Input.of(10, 1, 16));
        check("copy", ELEMENTWISE, x -> x[0].copy(), Input.of(37, 53, 71));
    }

    @Test
    void setSliceWritesInPlace() {
        for (Backend be : new Backend[] {OpCheck.reference(), backend()}) {
            try (MemoryScope s = MemoryScope.open(); GradMode.Off off = GradMode.off()) {
                Tensor x = Tensor.zeros(be, 2, 4, 3);
                Tensor row = Tensor.of(be, new float[] {1, 2, 3, 4, 5, 6}, 2, 1, 3);
                x.setSlice(1, 2, row);
                float[] v = x.toFloatArray();
                float[] expect = new float[24];
                System.arraycopy(new float[] {1, 2, 3}, 0, expect, 6, 3);
                System.arraycopy(new float[] {4, 5, 6}, 0, expect, 18, 3);
                assertArrayEquals(expect, v, be.name());
            }
        }
    }

    // ------------------------------------------------------------------ flow

    @Test
    void causalAffine() {
        int[][] shapes = {{1, 1, 1}, {2, 5, 3}, {3, 49, 16}, {2, 17, 37}};
        for (int[] s : shapes) {
            check("causalAffine " + java.util.Arrays.toString(s), ELEMENTWISE,
                    x -> Tensor.causalAffine(x[0], x[1], true), Input.of(s), Input.of(s[0], s[1], 2 * s[2]));
            check("causalAffine shift-only " + java.util.Arrays.toString(s), ELEMENTWISE,
                    x -> Tensor.causalAffine(x[0], x[1], false), Input.of(s), Input.of(s));
        }
    }

    /** The fused op equals the composite of shift, slices, exp and arithmetic it replaces, values and gradients. */
    @Test
    void causalAffineEqualsItsComposite() {
        Random rng = new Random(13);
        int b = 2;
        int n = 7;
        int d = 5;
        float[] xv = OpCheck.draw(rng, Input.of(b, n, d));
        float[] pv = OpCheck.draw(rng, Input.of(b, n, 2 * d));
        float[] w = OpCheck.draw(rng, Input.of(b, n, d));
        double[][] results = new double[2][];
        double[][] gradX = new double[2][];
        double[][] gradP = new double[2][];
        for (int k = 0; k < 2; k++) {
            try (MemoryScope s = MemoryScope.open()) {
                Tensor x = Tensor.of(backend(), xv, b, n, d).requiresGrad(true);
                Tensor p = Tensor.of(backend(), pv, b, n, 2 * d).requiresGrad(true);
                Tensor z;
                if (k == 0) {
                    z = Tensor.causalAffine(x, p, true);
                } else {
                    Tensor o = p.shift(1, 1);
                    z = x.sub(o.slice(2, d, 2 * d)).mul(o.slice(2, 0, d).neg().exp());
                }
                z.mul(Tensor.of(backend(), w, b, n, d)).sum().backward();
                results[k] = z.toDoubleArray();
                gradX[k] = x.grad().toDoubleArray();
                gradP[k] = p.grad().toDoubleArray();
            }
        }
        OpCheck.compare("causalAffine vs composite", backend().name(), "output", results[0], results[1], 1e-6);
        OpCheck.compare("causalAffine vs composite", backend().name(), "grad x", gradX[0], gradX[1], 1e-6);
        OpCheck.compare("causalAffine vs composite", backend().name(), "grad p", gradP[0], gradP[1], 1e-6);
    }

    // ------------------------------------------------------------------ optimiser

    @Test
    void adamwMatchesReference() {
        int n = 1037;
        Random rng = new Random(5);
        float[] p = OpCheck.draw(rng, Input.of(n));
        double[][] results = new double[2][];
        Backend[] bes = {OpCheck.reference(), backend()};
        for (int k = 0; k < 2; k++) {
            Backend be = bes[k];
            Random g = new Random(9);
            try (MemoryScope s = MemoryScope.open()) {
                Tensor param = Tensor.of(be, p, n);
                Tensor m = Tensor.zeros(be, n);
                Tensor v = Tensor.zeros(be, n);
                for (int step = 1; step <= 5; step++) {
                    Tensor grad = Tensor.of(be, OpCheck.draw(g, Input.of(n)), n);
                    be.adamw(new AdamWStep(1e-2, 0.9, 0.95, 1e-8, 1e-4, step, 0.5), param, grad, m, v);
                }
                results[k] = param.toDoubleArray();
            }
        }
        OpCheck.compare("adamw 5 steps", backend().name(), "param", results[1], results[0], 1e-5);
    }

    // ------------------------------------------------------------------ composite

    /**
     * Two pre-norm Transformer layers as TarFlow uses them (LayerNorm → qkv → causal attention → proj, residual;
     * LayerNorm → Linear → GELU → Linear, residual), every parameter and the input differentiated.
     */
    @Test
    void transformerCompositeGradients() {
        int b = 2;
        int t = 7;
        int c = 16;
        int heads = 2;
        int d = 8;
        Function<Tensor[], Tensor> layer = x -> {
            Tensor h = x[0];
            for (int l = 0; l < 2; l++) {
                int o = 1 + l * 12;
                Tensor a = h.layerNorm(x[o], x[o + 1], 1e-5);
                Tensor qkv = Tensor.linear(a, x[o + 2], x[o + 3]);
                Tensor att = qkv.attention(heads, d, 1.0 / Math.sqrt(d), true);
                h = h.add(Tensor.linear(att, x[o + 4], x[o + 5]));
                Tensor m = h.layerNorm(x[o + 6], x[o + 7], 1e-5);
                m = Tensor.linear(m, x[o + 8], x[o + 9]).gelu();
                h = h.add(Tensor.linear(m, x[o + 10], x[o + 11]));
            }
            return h.shift(1, 1).square().mean(false, 1);
        };
        Input[] inputs = new Input[25];
        inputs[0] = Input.of(b, t, c);
        for (int l = 0; l < 2; l++) {
            int o = 1 + l * 12;
            inputs[o] = Input.positive(c);
            inputs[o + 1] = Input.of(c);
            inputs[o + 2] = Input.of(3 * c, c);
            inputs[o + 3] = Input.of(3 * c);
            inputs[o + 4] = Input.of(c, c);
            inputs[o + 5] = Input.of(c);
            inputs[o + 6] = Input.positive(c);
            inputs[o + 7] = Input.of(c);
            inputs[o + 8] = Input.of(4 * c, c);
            inputs[o + 9] = Input.of(4 * c);
            inputs[o + 10] = Input.of(c, 4 * c);
            inputs[o + 11] = Input.of(c);
        }
        check("transformer x2", COMPOSITE, layer, inputs);
    }

    @Test
    void gradientAccumulatesOverUses() {
        check("x*x + x", ELEMENTWISE, x -> x[0].mul(x[0]).add(x[0]), Input.of(17));
        check("reuse through views", ELEMENTWISE,
                x -> x[0].reshape(3, 5).sum(false, 0).add(x[0].slice(0, 0, 5)), Input.of(15));
    }
}
