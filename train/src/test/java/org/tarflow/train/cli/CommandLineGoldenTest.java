package org.tarflow.train.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.flow.io.Npy;
import picocli.CommandLine;

/**
 * The commands end to end on the golden fixtures (float32 .npy outputs against the reference's float64 truth, the
 * golden README's tolerances), and their refusals of bad inputs.
 */
class CommandLineGoldenTest {
    @TempDir
    Path tmp;

    private Path golden(String variant, String name) throws IOException {
        Path dir = tmp.resolve("golden").resolve(variant);
        Files.createDirectories(dir);
        Path f = dir.resolve(name);
        if (!Files.exists(f)) {
            try (InputStream in = getClass().getResourceAsStream("/golden/mnist_p4/" + variant + "/" + name)) {
                if (in == null) {
                    throw new IOException("golden fixture missing: " + variant + "/" + name);
                }
                Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return f;
    }

    /** Runs the CLI in-process; returns {exit code, stdout, stderr}. */
    static Object[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = TarflowCli.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Object[] {code, out.toString(), err.toString()};
    }

    private static void close(String what, Path got, Path want, double tol) throws IOException {
        double[] g = Npy.read(got).asDoubles();
        double[] w = Npy.read(want).asDoubles();
        assertEquals(w.length, g.length, what);
        double worst = 0;
        for (int i = 0; i < w.length; i++) {
            worst = Math.max(worst, Math.abs(g[i] - w[i]));
        }
        System.out.printf(Locale.ROOT, "  cli %-30s max|diff| %.2e (tol %.0e)%n", what, worst, tol);
        assertTrue(worst <= tol, what + ": " + worst);
    }

    private void ok(String... args) {
        Object[] r = run(args);
        assertEquals(0, r[0], String.join(" ", args) + " failed: " + r[2]);
    }

    @Test
    void everyCommandReproducesTheGoldenOutputs() throws IOException {
        for (String v : new String[] {"uncond", "cond"}) {
            boolean cond = v.equals("cond");
            String model = golden(v, "model.safetensors").toString();
            List<String> labels = new ArrayList<>();
            if (cond) {
                labels.add("--labels");
                labels.add(golden(v, "y.npy").toString());
            }
            Path out = tmp.resolve(v);

            List<String> enc = new ArrayList<>(List.of("encode", "--checkpoint", model, "--input",
                    golden(v, "x.npy").toString(), "--out", out.resolve("enc").toString()));
            enc.addAll(labels);
            ok(enc.toArray(String[]::new));
            close(v + " encode z", out.resolve("enc/z.npy"), golden(v, "z.npy"), 1e-5);
            close(v + " encode logdet", out.resolve("enc/logdet.npy"), golden(v, "logdet.npy"), 1e-6);
            close(v + " encode bpd", out.resolve("enc/bpd.npy"), golden(v, "bpd.npy"), 1e-6);

            String[][] samples = cond
                    ? new String[][] {{"sample.npy"}, {"sample_cfg1.5.npy", "--guidance", "1.5"},
                        {"sample_cfg2_annealed.npy", "--guidance", "2", "--annealed"},
                        {"sample_cfg1_temp0.7.npy", "--guidance", "1", "--attn-temp", "0.7"}}
                    : new String[][] {{"sample.npy"}, {"sample_temp0.5_w0.5.npy", "--guidance", "0.5", "--attn-temp", "0.5"},
                        {"sample_temp1.5_w1_annealed.npy", "--guidance", "1", "--attn-temp", "1.5", "--annealed"}};
            for (String[] s : samples) {
                Path dir = out.resolve("s-" + s[0]);
                List<String> a = new ArrayList<>(List.of("sample", "--checkpoint", model, "--noise",
                        golden(v, "eps.npy").toString(), "--out", dir.toString()));
                a.addAll(labels);
                a.addAll(List.of(s).subList(1, s.length));
                ok(a.toArray(String[]::new));
                close(v + " " + s[0], dir.resolve("samples.npy"), golden(v, s[0]), s.length > 1 ? 1e-4 : 1e-5);
                assertTrue(Files.size(dir.resolve("samples.png")) > 100, "a PNG grid was written");
            }

            List<String> den = new ArrayList<>(List.of("denoise", "--checkpoint", model, "--input",
                    golden(v, "x_noisy.npy").toString(), "--sigma", "0.1", "--out", out.resolve("den").toString()));
            den.addAll(labels);
            ok(den.toArray(String[]::new));
            close(v + " denoise", out.resolve("den/denoised.npy"), golden(v, "denoised.npy"), 1e-5);

            if (cond) {
                ok("classify", "--checkpoint", model, "--input", golden(v, "x.npy").toString(), "--out",
                        out.resolve("cls").toString());
                close(v + " classify nll", out.resolve("cls/nll_per_label.npy"), golden(v, "nll_per_label.npy"), 1e-6);
                double[][] nll = new double[8][10];
                double[] flat = Npy.read(golden(v, "nll_per_label.npy")).asDoubles();
                int[] pred = Npy.read(out.resolve("cls/labels.npy")).asInts();
                for (int i = 0; i < 8; i++) {
                    System.arraycopy(flat, i * 10, nll[i], 0, 10);
                }
                assertArrayEquals(org.tarflow.flow.BayesClassifier.predict(nll), pred);
            }
        }
    }

    @Test
    void badInputsGiveOneLineErrors() throws IOException {
        String model = golden("cond", "model.safetensors").toString();
        Path wrong = tmp.resolve("wrong.npy");
        Npy.writeFloat32(wrong, new float[2 * 27 * 27], 2, 1, 27, 27);
        Object[] r = run("encode", "--checkpoint", model, "--input", wrong.toString(), "--out", tmp.toString());
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("[2, 1, 27, 27]") && ((String) r[2]).contains("[batch, 1, 28, 28]"),
                (String) r[2]);

        Path nan = tmp.resolve("nan.npy");
        float[] v = new float[784];
        v[5] = Float.NaN;
        Npy.writeFloat32(nan, v, 1, 1, 28, 28);
        r = run("encode", "--checkpoint", model, "--input", nan.toString(), "--out", tmp.toString());
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("not finite"), (String) r[2]);

        r = run("sample", "--checkpoint", model, "--count", "2", "--labels", golden("cond", "y.npy").toString(),
                "--out", tmp.toString());
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("expected [2] labels"), (String) r[2]);

        r = run("sample", "--checkpoint", model, "--out", tmp.toString());
        assertEquals(2, r[0], "a usage error: neither --noise nor --count");
        assertTrue(((String) r[2]).contains("--noise") && ((String) r[2]).contains("--count"), (String) r[2]);

        r = run("sample", "--checkpoint", tmp.resolve("none.safetensors").toString(), "--count", "1", "--out",
                tmp.toString());
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("checkpoint not found"), (String) r[2]);

        r = run("encode", "--checkpoint", model, "--input", golden("cond", "x.npy").toString(), "--out",
                tmp.toString(), "--backend", "nosuch");
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("unknown backend 'nosuch'"), (String) r[2]);
    }
}
