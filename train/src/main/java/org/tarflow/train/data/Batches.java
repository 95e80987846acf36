package org.tarflow.train.data;

import java.util.SplittableRandom;

/**
 * Training batches as a pure function of (seed, step): epoch e visits the images in a permutation drawn from
 * (seed, e), drops the last incomplete batch, and the noise and label dropout of step s come from a stream seeded by
 * (seed, s). A run resumed at step s therefore sees exactly the batches the uninterrupted run saw, with no random
 * state to save.
 */
public final class Batches {
    /** How images are perturbed for training. */
    public enum Noise {
        /** x + σ·ε, ε ~ N(0, I): the recipe for sample quality. */
        GAUSSIAN,
        /** ((x+1)·127.5 + U[0,1)) / 256 · 2 − 1: uniform dequantisation, for likelihoods in bits/dim. */
        DEQUANTIZE,
        /** Clean images (evaluation). */
        NONE
    }

    /** One batch: images [B, C, H, W] as floats, labels (−1 = dropped) or null. */
    public record Batch(float[] images, int[] labels, int epoch) {
    }

    private final ImageDataset data;
    private final int batch;
    private final long seed;
    private final Noise noise;
    private final double sigma;
    private final double labelDropout;
    private final boolean hflip;
    private int cachedEpoch = -1;
    private int[] cachedPerm;

    public Batches(ImageDataset data, int batch, long seed, Noise noise, double sigma, double labelDropout,
                   boolean hflip) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batch);
        }
        if (data.size() < batch) {
            throw new IllegalArgumentException("the data set " + data.name() + " has " + data.size()
                    + " images, fewer than one batch of " + batch);
        }
        if (labelDropout < 0 || labelDropout > 1) {
            throw new IllegalArgumentException("label dropout must lie in [0, 1], got " + labelDropout);
        }
        if (noise == Noise.GAUSSIAN && !(sigma >= 0)) {
            throw new IllegalArgumentException("noise std must be >= 0, got " + sigma);
        }
        this.data = data;
        this.batch = batch;
        this.seed = seed;
        this.noise = noise;
        this.sigma = sigma;
        this.labelDropout = labelDropout;
        this.hflip = hflip;
    }

    public int stepsPerEpoch() {
        return data.size() / batch;
    }

    /** The visiting order of an epoch (Fisher–Yates with a stream seeded by seed and epoch). */
    public int[] permutation(int epoch) {
        if (epoch != cachedEpoch) {
            int n = data.size();
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) {
                perm[i] = i;
            }
            SplittableRandom rng = new SplittableRandom(mix(seed, 0x9E3779B97F4A7C15L ^ epoch));
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            cachedPerm = perm;
            cachedEpoch = epoch;
        }
        return cachedPerm;
    }

    /** The batch of optimiser step {@code step} (0-based). */
    public Batch at(long step) {
        int per = stepsPerEpoch();
        int epoch = (int) (step / per);
        int pos = (int) (step % per);
        int[] perm = permutation(epoch);
        SplittableRandom rng = new SplittableRandom(mix(seed, step));
        int dim = data.dim();
        int size = data.imageSize();
        float[] x = new float[batch * dim];
        int[] labels = data.labelled() ? new int[batch] : null;
        for (int b = 0; b < batch; b++) {
            int idx = perm[pos * batch + b];
            boolean flip = hflip && rng.nextBoolean();
            for (int j = 0; j < dim; j++) {
                int src = j;
                if (flip) {
                    int col = j % size;
                    src = j - col + (size - 1 - col);
                }
                int p = data.pixel(idx, src);
                x[b * dim + j] = switch (noise) {
                    case GAUSSIAN -> (float) (p / 127.5 - 1 + sigma * rng.nextGaussian());
                    case DEQUANTIZE -> (float) ((p + rng.nextDouble()) / 128.0 - 1);
                    case NONE -> (float) (p / 127.5 - 1);
                };
            }
            if (labels != null) {
                labels[b] = labelDropout > 0 && rng.nextDouble() < labelDropout ? -1 : data.label(idx);
            }
        }
        return new Batch(x, labels, epoch);
    }

    /** A stateless 64-bit mix (SplitMix64 finaliser) of two values, for seeding per-step streams. */
    static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Clean (or dequantised) images [from, from + n) in dataset order, for evaluation. */
    public static float[] images(ImageDataset data, int from, int n, boolean dequantize, long seed) {
        int dim = data.dim();
        float[] x = new float[n * dim];
        SplittableRandom rng = new SplittableRandom(mix(seed, from));
        for (int b = 0; b < n; b++) {
            for (int j = 0; j < dim; j++) {
                int p = data.pixel(from + b, j);
                x[b * dim + j] = dequantize ? (float) ((p + rng.nextDouble()) / 128.0 - 1) : (float) (p / 127.5 - 1);
            }
        }
        return x;
    }
}
