package org.tarflow.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import org.tarflow.flow.io.Checkpoint;
import org.tarflow.flow.io.Npy;
import org.tarflow.flow.io.SafeTensors;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.reference.ReferenceBackend;

/**
 * Parity checks against the reference PyTorch TarFlow's golden outputs (float64 truth), callable for any backend
 * (the OpenCL module runs them too). Tolerances are those of the golden README for a float32 implementation: 1e-5
 * absolute on z, block outputs, recon and plain samples; 1e-6 on logdet, loss, bpd and NLLs; 1e-4 on guided samples
 * (values reach ±14); gradients 1e-4 relative to the tensor's max |value|. A float64 backend must land far closer
 * (1e-9 on values), since it computes what PyTorch's float64 run computed.
 */
public final class GoldenChecks {
    private GoldenChecks() {
    }

    /** Float32 tolerances scale down to float64 ones on the float64 reference backend. */
    private static double tol(Backend be, double float32Tolerance) {
        return be instanceof ReferenceBackend ? Math.min(float32Tolerance, 1e-9) : float32Tolerance;
    }

    private static TarFlow load(String variant, Backend be) throws IOException {
        return Checkpoint.load(Golden.dir(variant).resolve("model.safetensors"), be).model();
    }

    private static Tensor input(Backend be, Npy.Array a) {
        return Tensor.of(be, a.asDoubles(), a.shape());
    }

    private static int[] labels(String variant) {
        return variant.equals("cond") ? Golden.npy(variant, "y.npy").asInts() : null;
    }

    /** max |got − want| (or relative to max |want| when {@code relative}), printed, asserted. */
    public static void assertClose(String what, double[] got, double[] want, double tol, boolean relative) {
        assertArrayEquals(new int[] {want.length}, new int[] {got.length}, what + ": size");
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
            if (Double.isNaN(got[i])) {
                worst = Double.POSITIVE_INFINITY;
            }
        }
        double err = relative ? worst / scale : worst;
        System.out.printf(Locale.ROOT, "  %-34s max|diff| %.3e%s (tol %.0e)%n", what, worst,
                relative ? String.format(Locale.ROOT, " rel %.2e", err) : "", tol);
        final double e = err;
        assertTrue(err <= tol, () -> what + ": difference " + e + " exceeds " + tol);
    }

    public static void forwardLossAndGradients(String v, Backend be) throws IOException {
        System.out.println("golden " + v + " on " + be.name() + ": forward and gradients");
        TarFlow model = load(v, be);
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor x = input(be, Golden.npy(v, "x.npy")).requiresGrad(true);
            TarFlow.FlowOutput out = model.forward(x, labels(v));
            assertClose(v + " z", out.z().toDoubleArray(), Golden.npy(v, "z.npy").asDoubles(), tol(be, 1e-5), false);
            for (int k = 0; k < 4; k++) {
                assertClose(v + " block_out_" + k, out.blockOutputs().get(k).toDoubleArray(),
                        Golden.npy(v, "block_out_" + k + ".npy").asDoubles(), tol(be, 1e-5), false);
            }
            assertClose(v + " logdet", out.logdet().toDoubleArray(), Golden.npy(v, "logdet.npy").asDoubles(),
                    tol(be, 1e-6), false);
            assertClose(v + " bpd", out.bitsPerDim(), Golden.npy(v, "bpd.npy").asDoubles(),
                    tol(be, 1e-6), false);
            Tensor loss = out.loss();
            assertClose(v + " loss", loss.toDoubleArray(), Golden.npy(v, "loss.npy").asDoubles(), tol(be, 1e-6), false);
            for (Tensor p : model.parameters().values()) {
                p.zeroGrad();
            }
            loss.backward();
            assertClose(v + " grad_x", x.grad().toDoubleArray(), Golden.npy(v, "grad_x.npy").asDoubles(), 1e-4, true);
            SafeTensors.Contents grads = Golden.safetensors(v, "param_grad.safetensors");
            double worst = 0;
            String worstName = "";
            for (Map.Entry<String, Tensor> p : model.parameters().entrySet()) {
                SafeTensors.Entry want = grads.tensors().get(p.getKey());
                double[] w = new double[want.values().length];
                for (int i = 0; i < w.length; i++) {
                    w[i] = want.values()[i];
                }
                double[] g = p.getValue().grad().toDoubleArray();
                double d = 0;
                double s = 0;
                for (int i = 0; i < w.length; i++) {
                    d = Math.max(d, Math.abs(g[i] - w[i]));
                    s = Math.max(s, Math.abs(w[i]));
                }
                double rel = s == 0 ? d : d / s;
                if (rel > worst) {
                    worst = rel;
                    worstName = p.getKey();
                }
                // the golden parameter gradients come from PyTorch's float32 run: both sides carry float32 noise
                final double r = rel;
                assertTrue(rel <= 1e-4, () -> v + " d loss/d " + p.getKey() + ": rel difference " + r);
            }
            System.out.printf(Locale.ROOT, "  %-34s worst rel %.2e (%s) over %d tensors (tol 1e-4)%n",
                    v + " parameter gradients", worst, worstName, model.parameters().size());
        }
    }

    public static void reverseSamplingAndGuidance(String v, Backend be) throws IOException {
        System.out.println("golden " + v + " on " + be.name() + ": reverse and sampling");
        TarFlow model = load(v, be);
        Sampler sampler = new Sampler(model);
        int[] y = labels(v);
        try (MemoryScope scope = MemoryScope.open(); GradMode.Off off = GradMode.off()) {
            Tensor z = input(be, Golden.npy(v, "z.npy"));
            assertClose(v + " recon", sampler.reverse(z, y, Sampler.Guidance.NONE).toDoubleArray(),
                    Golden.npy(v, "recon.npy").asDoubles(), tol(be, 1e-5), false);
            Tensor eps = input(be, Golden.npy(v, "eps.npy"));
            assertClose(v + " sample", sampler.reverse(eps, y, Sampler.Guidance.NONE).toDoubleArray(),
                    Golden.npy(v, "sample.npy").asDoubles(), tol(be, 1e-5), false);
            Map<String, Sampler.Guidance> guided = v.equals("cond")
                    ? Map.of("sample_cfg1.5.npy", new Sampler.Guidance(1.5, false, 1.0),
                            "sample_cfg2_annealed.npy", new Sampler.Guidance(2.0, true, 1.0),
                            "sample_cfg1_temp0.7.npy", new Sampler.Guidance(1.0, false, 0.7))
                    : Map.of("sample_temp0.5_w0.5.npy", new Sampler.Guidance(0.5, false, 0.5),
                            "sample_temp1.5_w1_annealed.npy", new Sampler.Guidance(1.0, true, 1.5));
            for (Map.Entry<String, Sampler.Guidance> g : guided.entrySet()) {
                assertClose(v + " " + g.getKey(), sampler.reverse(eps, y, g.getValue()).toDoubleArray(),
                        Golden.npy(v, g.getKey()).asDoubles(), tol(be, 1e-4), false);
            }
        }
    }

    public static void denoisingAndClassification(String v, Backend be) throws IOException {
        System.out.println("golden " + v + " on " + be.name() + ": denoising and classification");
        TarFlow model = load(v, be);
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor noisy = input(be, Golden.npy(v, "x_noisy.npy"));
            Tensor den = new Denoiser(model).denoise(noisy, labels(v), 0.1);
            assertClose(v + " denoised", den.toDoubleArray(), Golden.npy(v, "denoised.npy").asDoubles(),
                    tol(be, 1e-5), false);
            for (Tensor p : model.parameters().values()) {
                assertTrue(p.requiresGrad(), "denoising must leave parameters trainable");
            }
            if (v.equals("cond")) {
                Tensor x = input(be, Golden.npy(v, "x.npy"));
                double[][] nll = new BayesClassifier(model).nllPerLabel(x, 64);
                double[] flat = new double[nll.length * nll[0].length];
                for (int i = 0; i < nll.length; i++) {
                    System.arraycopy(nll[i], 0, flat, i * nll[0].length, nll[0].length);
                }
                assertClose(v + " nll_per_label", flat, Golden.npy(v, "nll_per_label.npy").asDoubles(), tol(be, 1e-6),
                        false);
            }
        }
    }
}
