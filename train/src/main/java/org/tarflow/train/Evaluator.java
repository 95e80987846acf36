package org.tarflow.train;

import java.util.Locale;
import org.tarflow.flow.BayesClassifier;
import org.tarflow.flow.TarFlow;
import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;
import org.tarflow.train.data.Batches;
import org.tarflow.train.data.ImageDataset;

/**
 * Bits/dim of a data split under a model, and, for conditional models, the accuracy of the Bayes classifier
 * (the label under which an image is most likely). Images are clean, uniformly dequantised (the proper
 * likelihood bound for 8-bit data) or given Gaussian noise (the training objective of noise-augmented models).
 */
public final class Evaluator {
    /** What {@link #run} measured. */
    public record Result(int images, double bitsPerDim, double nllPerDim, int classified, double accuracy,
                         String inputs) {
        public String summary() {
            return String.format(Locale.ROOT, "%d images (%s): %.4f bits/dim%s", images, inputs, bitsPerDim,
                    classified > 0 ? String.format(Locale.ROOT, "; Bayes classifier accuracy %.2f%% on %d images",
                            100 * accuracy, classified) : "");
        }
    }

    private Evaluator() {
    }

    /**
     * @param noise NONE, DEQUANTIZE or GAUSSIAN (with {@code sigma})
     * @param limit at most this many images (0: all)
     * @param classifyLimit classify at most this many images (0: none), conditional models only
     */
    public static Result run(TarFlow model, ImageDataset data, Batches.Noise noise, double sigma, int batch, int limit,
                             int classifyLimit, long seed, Progress progress) {
        int n = limit > 0 ? Math.min(limit, data.size()) : data.size();
        int c = model.config().inChannels();
        int s = model.config().imgSize();
        boolean conditional = model.config().conditional();
        int toClassify = conditional ? Math.min(classifyLimit, n) : 0;
        double nllSum = 0;
        int correct = 0;
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        try (GradMode.Off off = GradMode.off()) {
            for (int from = 0; from < n; from += batch) {
                int m = Math.min(batch, n - from);
                float[] x = Batches.images(data, from, m, noise == Batches.Noise.DEQUANTIZE, seed);
                if (noise == Batches.Noise.GAUSSIAN) {
                    for (int i = 0; i < x.length; i++) {
                        x[i] += (float) (sigma * rng.nextGaussian());
                    }
                }
                int[] labels = null;
                if (conditional) {
                    labels = new int[m];
                    for (int i = 0; i < m; i++) {
                        labels[i] = data.label(from + i);
                    }
                }
                try (MemoryScope scope = MemoryScope.open()) {
                    Tensor xt = Tensor.of(model.backend(), x, m, c, s, s);
                    for (double v : model.forward(xt, labels).nllPerSample().toDoubleArray()) {
                        nllSum += v;
                    }
                    int k = Math.min(m, toClassify - from);
                    if (k > 0) {
                        double[][] nll = new BayesClassifier(model).nllPerLabel(xt.slice(0, 0, k), batch);
                        int[] pred = BayesClassifier.predict(nll);
                        for (int i = 0; i < k; i++) {
                            if (pred[i] == labels[i]) {
                                correct++;
                            }
                        }
                    }
                }
                if (progress != null) {
                    progress.update(from + m, String.format(Locale.ROOT, "%.4f bits/dim so far",
                            TarFlow.bitsPerDim(new double[] {nllSum / (from + m)})[0]));
                }
            }
        }
        double nll = nllSum / n;
        String inputs = switch (noise) {
            case DEQUANTIZE -> "uniformly dequantised";
            case GAUSSIAN -> "Gaussian noise, sigma " + sigma;
            case NONE -> "clean pixels";
        };
        return new Result(n, TarFlow.bitsPerDim(new double[] {nll})[0], nll, toClassify,
                toClassify == 0 ? Double.NaN : (double) correct / toClassify, inputs);
    }
}
