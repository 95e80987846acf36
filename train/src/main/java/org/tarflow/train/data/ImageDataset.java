package org.tarflow.train.data;

/**
 * Images held as unsigned bytes, [count, channels, size, size], with optional integer labels. Pixels map to [−1, 1]
 * as b/127.5 − 1 (torchvision's ToTensor then Normalize(0.5, 0.5)).
 */
public final class ImageDataset {
    private final String name;
    private final byte[] pixels;
    private final int[] labels;
    private final int count;
    private final int channels;
    private final int size;
    private final int numClasses;

    public ImageDataset(String name, byte[] pixels, int[] labels, int count, int channels, int size, int numClasses) {
        if ((long) count * channels * size * size != pixels.length) {
            throw new IllegalArgumentException(name + ": " + pixels.length + " bytes for " + count + " images of "
                    + channels + "x" + size + "x" + size);
        }
        if (labels != null) {
            if (labels.length != count) {
                throw new IllegalArgumentException(name + ": " + labels.length + " labels for " + count + " images");
            }
            for (int y : labels) {
                if (y < 0 || y >= numClasses) {
                    throw new IllegalArgumentException(name + ": label " + y + " outside 0.." + (numClasses - 1));
                }
            }
        }
        this.name = name;
        this.pixels = pixels;
        this.labels = labels;
        this.count = count;
        this.channels = channels;
        this.size = size;
        this.numClasses = labels == null ? 0 : numClasses;
    }

    public String name() {
        return name;
    }

    public int size() {
        return count;
    }

    public int channels() {
        return channels;
    }

    public int imageSize() {
        return size;
    }

    public int numClasses() {
        return numClasses;
    }

    public boolean labelled() {
        return labels != null;
    }

    public int label(int i) {
        return labels[i];
    }

    /** Values per image, C·H·W. */
    public int dim() {
        return channels * size * size;
    }

    /** The raw byte of pixel j of image i (0..255). */
    public int pixel(int i, int j) {
        return pixels[i * dim() + j] & 0xff;
    }

    /** The first n images (for quick runs and tests). */
    public ImageDataset head(int n) {
        int m = Math.min(n, count);
        byte[] p = java.util.Arrays.copyOf(pixels, m * dim());
        int[] l = labels == null ? null : java.util.Arrays.copyOf(labels, m);
        return new ImageDataset(name, p, l, m, channels, size, numClasses == 0 ? 1 : numClasses);
    }
}
