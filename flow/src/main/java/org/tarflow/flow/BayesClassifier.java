package org.tarflow.flow;

import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;

/**
 * Classification with a conditional flow by Bayes' rule under a uniform prior over labels: the predicted label is
 * the one under which the image has the lowest negative log-likelihood.
 */
public final class BayesClassifier {
    private final TarFlow model;

    public BayesClassifier(TarFlow model) {
        if (!model.config().conditional()) {
            throw new IllegalArgumentException("Bayes classification needs a conditional model (num_classes > 0)");
        }
        this.model = model;
    }

    /**
     * Per-sample NLL (nats per dimension, {@code ½·mean(z²) − logdet}) under every label: [B][classes]. The batch is
     * evaluated under all labels at once, in chunks of at most {@code maxBatch} images.
     */
    public double[][] nllPerLabel(Tensor x, int maxBatch) {
        int b = x.dim(0);
        int k = model.config().numClasses();
        double[][] out = new double[b][k];
        int chunk = Math.max(1, maxBatch / k);
        try (GradMode.Off off = GradMode.off()) {
            for (int b0 = 0; b0 < b; b0 += chunk) {
                int n = Math.min(chunk, b - b0);
                try (MemoryScope scope = MemoryScope.open()) {
                    Tensor part = x.slice(0, b0, b0 + n);
                    Tensor[] copies = new Tensor[k];
                    int[] labels = new int[n * k];
                    for (int y = 0; y < k; y++) {
                        copies[y] = part;
                        for (int i = 0; i < n; i++) {
                            labels[y * n + i] = y;
                        }
                    }
                    Tensor all = Tensor.concat(0, copies);
                    double[] nll = model.forward(all, labels).nllPerSample().toDoubleArray();
                    for (int y = 0; y < k; y++) {
                        for (int i = 0; i < n; i++) {
                            out[b0 + i][y] = nll[y * n + i];
                        }
                    }
                }
            }
        }
        return out;
    }

    /** argmin over labels of {@link #nllPerLabel}. */
    public static int[] predict(double[][] nllPerLabel) {
        int[] pred = new int[nllPerLabel.length];
        for (int i = 0; i < pred.length; i++) {
            int best = 0;
            for (int y = 1; y < nllPerLabel[i].length; y++) {
                if (nllPerLabel[i][y] < nllPerLabel[i][best]) {
                    best = y;
                }
            }
            pred[i] = best;
        }
        return pred;
    }
}
