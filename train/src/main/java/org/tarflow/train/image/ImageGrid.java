package org.tarflow.train.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.tarflow.flow.io.AtomicFiles;

/** PNG grids of images in [−1, 1] (NCHW floats): pixels mapped to [0, 255] and clipped, a 2-pixel gap between cells. */
public final class ImageGrid {
    private static final int GAP = 2;

    private ImageGrid() {
    }

    /**
     * Writes images [count, channels, h, w] as a grid with {@code columns} cells per row (rows as needed). One channel
     * gives greyscale, three give RGB.
     */
    public static void write(Path file, float[] images, int count, int channels, int h, int w, int columns)
            throws IOException {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("image grid: " + channels + " channels; only 1 (grey) or 3 (RGB) can be shown");
        }
        if (images.length != count * channels * h * w) {
            throw new IllegalArgumentException("image grid: " + images.length + " values for " + count + " images of "
                    + channels + "x" + h + "x" + w);
        }
        int cols = Math.max(1, Math.min(columns, count));
        int rows = Math.max(1, (count + cols - 1) / cols);
        BufferedImage img = new BufferedImage(cols * (w + GAP) + GAP, rows * (h + GAP) + GAP, BufferedImage.TYPE_INT_RGB);
        for (int n = 0; n < count; n++) {
            int x0 = GAP + (n % cols) * (w + GAP);
            int y0 = GAP + (n / cols) * (h + GAP);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int r = level(images, n, 0, y, x, channels, h, w);
                    int g = channels == 3 ? level(images, n, 1, y, x, channels, h, w) : r;
                    int b = channels == 3 ? level(images, n, 2, y, x, channels, h, w) : r;
                    img.setRGB(x0 + x, y0 + y, (r << 16) | (g << 8) | b);
                }
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(img, "png", bytes);
        AtomicFiles.write(file, bytes.toByteArray());
    }

    /** [−1, 1] → [0, 255], NaN as 0, clipped. */
    private static int level(float[] v, int n, int c, int y, int x, int channels, int h, int w) {
        float f = v[((n * channels + c) * h + y) * w + x];
        if (Float.isNaN(f)) {
            return 0;
        }
        return Math.max(0, Math.min(255, Math.round((f + 1f) * 127.5f)));
    }
}
