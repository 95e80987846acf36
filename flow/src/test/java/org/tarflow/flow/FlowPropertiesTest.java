package org.tarflow.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.tarflow.cpu.CpuBackend;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.reference.ReferenceBackend;

/** Properties every flow must have, on random configurations: invertibility, exact log-determinants, identity init. */
class FlowPropertiesTest {
    private static final Backend CPU = new CpuBackend(2, true);
    private static final Backend REFERENCE = new ReferenceBackend();

    /** A model whose proj_out is random too (fresh models start at proj_out.weight = 0, an almost trivial flow). */
    static TarFlow randomModel(ModelConfig cfg, Backend be, long seed, double outScale) {
        TarFlow m = TarFlow.create(cfg, be, seed);
        Random rng = new Random(seed + 1);
        for (var e : m.parameters().entrySet()) {
            if (e.getKey().contains("proj_out")) {
                float[] v = new float[e.getValue().size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (outScale * rng.nextGaussian());
                }
                e.getValue().set(v);
            }
        }
        return m;
    }

    static Tensor images(Backend be, ModelConfig cfg, int batch, long seed) {
        Random rng = new Random(seed);
        float[] x = new float[batch * cfg.dataDim()];
        for (int i = 0; i < x.length; i++) {
            x[i] = 2 * rng.nextFloat() - 1;
        }
        return Tensor.of(be, x, batch, cfg.inChannels(), cfg.imgSize(), cfg.imgSize());
    }

    private static double maxDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void reverseInvertsForwardOnRandomConfigs() {
        ModelConfig[] configs = {
            ModelConfig.of(1, 8, 2, 32, 3, 1, 0, 16),   // odd block count, small heads
            ModelConfig.of(3, 8, 4, 64, 1, 2, 0),                   // 3 channels, the reference's head size
            ModelConfig.of(3, 6, 1, 32, 2, 1, 4, 8),    // patch 1 (36 tokens of 3), conditional
            ModelConfig.of(1, 4, 4, 16, 2, 1, 0, 16),   // one token: nothing to condition on, identity blocks
            ModelConfig.of(2, 8, 2, 32, 2, 1, 0, 16).withNvp(false), // volume-preserving ablation
        };
        for (Backend be : new Backend[] {CPU, REFERENCE}) {
            for (int c = 0; c < configs.length; c++) {
                ModelConfig cfg = configs[c];
                TarFlow m = randomModel(cfg, be, 10 + c, 0.05);
                try (MemoryScope s = MemoryScope.open(); GradMode.Off off = GradMode.off()) {
                    Tensor x = images(be, cfg, 3, c);
                    int[] labels = cfg.conditional() ? new int[] {0, 3, -1} : null;
                    Tensor z = m.forward(x, labels).z();
                    Tensor back = new Sampler(m).reverse(z, labels, Sampler.Guidance.NONE);
                    double err = maxDiff(back.toDoubleArray(), x.toDoubleArray());
                    double tol = be == REFERENCE ? 1e-12 : 2e-5;
                    System.out.printf("  reverse(forward(x)) on %s, %s: max|diff| %.2e%n", be.name(), cfg.toJson(), err);
                    assertTrue(err < tol, "config " + cfg.toJson() + " on " + be.name() + ": " + err);
                }
            }
        }
    }

    /**
     * The model's logdet (a mean over N·D, per block, summed) times N·D must equal log|det ∂z/∂x| of the whole
     * flow, with the Jacobian built row by row by autograd in float64 and its determinant taken by EJML.
     */
    @Test
    void logdetEqualsLogAbsDeterminantOfTheJacobian() {
        ModelConfig cfg = ModelConfig.of(1, 4, 2, 16, 3, 1, 0, 8); // 4 tokens of 4: a 16×16 Jacobian
        TarFlow m = randomModel(cfg, REFERENCE, 42, 0.3);
        int dim = cfg.dataDim();
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = images(REFERENCE, cfg, 1, 7).requiresGrad(true);
            TarFlow.FlowOutput out = m.forward(x, null);
            double logdet = out.logdet().item() * dim;
            DMatrixRMaj jac = new DMatrixRMaj(dim, dim);
            Tensor zFlat = out.z();
            for (int i = 0; i < dim; i++) {
                // row i of the Jacobian: d z_i / d x, through a fresh graph each time
                Tensor xi = x.detach().copy().requiresGrad(true);
                Tensor zi = m.forward(xi, null).z().reshape(dim).slice(0, i, i + 1).sum();
                zi.backward();
                double[] g = xi.grad().toDoubleArray();
                for (int j = 0; j < dim; j++) {
                    jac.set(i, j, g[j]);
                }
            }
            double logAbsDet = Math.log(Math.abs(CommonOps_DDRM.det(jac)));
            System.out.printf("  log|det J| = %.12f, model logdet·N·D = %.12f (z size %d)%n", logAbsDet, logdet,
                    zFlat.size());
            assertTrue(Math.abs(logdet) > 0.1, "the test flow should not be volume-preserving: " + logdet);
            assertEquals(logAbsDet, logdet, 1e-9);
        }
    }

    /**
     * Without a graph the layers give their intermediates back as soon as they are read: the results must be the
     * same bits as with one, the model's input must survive, and the pass must hold fewer buffers at once.
     */
    @Test
    void forwardWithoutAGraphReleasesIntermediatesAndChangesNothing() {
        ModelConfig cfg = ModelConfig.of(3, 8, 2, 64, 2, 2, 0);
        CpuBackend be = new CpuBackend(2, true);
        TarFlow m = randomModel(cfg, be, 5, 0.05);
        Tensor x;
        try (MemoryScope u = MemoryScope.unmanaged()) {
            x = images(be, cfg, 3, 2);
        }
        double[] zGraph;
        double[] ldGraph;
        be.trimPool();
        long held = be.bytesHeld(); // the parameters and x
        try (MemoryScope s = MemoryScope.open()) {
            TarFlow.FlowOutput out = m.forward(x, null);
            zGraph = out.z().toDoubleArray();
            ldGraph = out.logdet().toDoubleArray();
        }
        long withGraph = be.bytesHeld() - held; // every buffer the pass made is in the pool now
        be.trimPool();
        try (MemoryScope s = MemoryScope.open(); GradMode.Off off = GradMode.off()) {
            TarFlow.FlowOutput out = m.forward(x, null);
            assertEquals(0.0, maxDiff(zGraph, out.z().toDoubleArray()));
            assertEquals(0.0, maxDiff(ldGraph, out.logdet().toDoubleArray()));
        }
        long withoutGraph = be.bytesHeld() - held;
        assertTrue(!x.isReleased(), "the caller's input is not the layers' to release");
        assertTrue(withoutGraph < withGraph / 2,
                "buffers made: " + withoutGraph + " bytes without a graph, " + withGraph + " with one");
    }

    /** proj_out = 0 (weight and bias) makes every block the identity: z = patchify(x), logdet = 0 exactly. */
    @Test
    void zeroOutputProjectionIsTheIdentity() {
        ModelConfig cfg = ModelConfig.of(3, 8, 2, 64, 3, 2, 5);
        TarFlow m = TarFlow.create(cfg, CPU, 3);
        for (var e : m.parameters().entrySet()) {
            if (e.getKey().contains("proj_out")) {
                e.getValue().fill(0);
            }
        }
        try (MemoryScope s = MemoryScope.open(); GradMode.Off off = GradMode.off()) {
            Tensor x = images(CPU, cfg, 2, 1);
            TarFlow.FlowOutput out = m.forward(x, new int[] {1, 4});
            assertEquals(0.0, maxDiff(out.z().toDoubleArray(), m.patchify(x).toDoubleArray()));
            assertEquals(0.0, maxDiff(out.logdet().toDoubleArray(), new double[2]));
        }
    }

    @Test
    void patchifyIsChannelMajorAndUnpatchifyInvertsIt() {
        ModelConfig cfg = ModelConfig.of(2, 4, 2, 64, 1, 1, 0);
        TarFlow m = TarFlow.create(cfg, REFERENCE, 0);
        double[] v = new double[2 * 4 * 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = i; // value = c·16 + y·4 + x
        }
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = Tensor.of(REFERENCE, v, 1, 2, 4, 4);
            double[] p = m.patchify(x).toDoubleArray(); // [1, 4 tokens, 8]
            // token 1 = patch row 0, column 1: pixels (y, x) in {0,1}×{2,3}; feature d = c·4 + ky·2 + kx
            double[] token1 = java.util.Arrays.copyOfRange(p, 8, 16);
            double[] want = {2, 3, 6, 7, 18, 19, 22, 23};
            assertEquals(0.0, maxDiff(token1, want));
            assertEquals(0.0, maxDiff(m.unpatchify(m.patchify(x)).toDoubleArray(), v));
        }
    }
}
