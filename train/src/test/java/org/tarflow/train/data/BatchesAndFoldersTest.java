package org.tarflow.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchesAndFoldersTest {
    @TempDir
    Path dir;

    static ImageDataset synthetic(int n, int size, long seed) {
        java.util.Random rng = new java.util.Random(seed);
        byte[] px = new byte[n * size * size];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 4;
            for (int j = 0; j < size * size; j++) {
                // class k: a bright row k, noise elsewhere
                int row = j / size;
                px[i * size * size + j] = (byte) (row == labels[i] ? 230 : rng.nextInt(40));
            }
        }
        return new ImageDataset("synthetic", px, labels, n, 1, size, 4);
    }

    @Test
    void batchesAreAFunctionOfSeedAndStep() {
        ImageDataset d = synthetic(50, 8, 1);
        Batches a = new Batches(d, 8, 7, Batches.Noise.GAUSSIAN, 0.1, 0.1, false);
        Batches b = new Batches(d, 8, 7, Batches.Noise.GAUSSIAN, 0.1, 0.1, false);
        assertEquals(6, a.stepsPerEpoch());
        for (long step : new long[] {0, 5, 6, 13}) {
            assertArrayEquals(a.at(step).images(), b.at(step).images());
            assertArrayEquals(a.at(step).labels(), b.at(step).labels());
        }
        assertFalse(java.util.Arrays.equals(a.at(0).images(), a.at(1).images()));
        // every image once per epoch (the last incomplete batch dropped)
        int[] perm = a.permutation(2);
        assertEquals(50, java.util.Arrays.stream(perm).distinct().count());
        assertFalse(java.util.Arrays.equals(a.permutation(0), a.permutation(1)), "a new order each epoch");
    }

    @Test
    void labelDropoutDropsTheAskedFraction() {
        ImageDataset d = synthetic(1000, 4, 2);
        Batches b = new Batches(d, 100, 3, Batches.Noise.GAUSSIAN, 0.0, 0.1, false);
        int dropped = 0;
        int total = 0;
        for (long s = 0; s < 10; s++) {
            for (int y : b.at(s).labels()) {
                assertTrue(y >= -1 && y < 4);
                dropped += y == -1 ? 1 : 0;
                total++;
            }
        }
        // 1000 Bernoulli(0.1) draws: mean 100, sd 9.5; 4.2 sd either way is a one-in-10^5 miss
        assertTrue(dropped > 60 && dropped < 140, dropped + " of " + total + " dropped");
        Batches none = new Batches(d, 100, 3, Batches.Noise.GAUSSIAN, 0.0, 0.0, false);
        assertTrue(java.util.Arrays.stream(none.at(0).labels()).allMatch(y -> y >= 0));
    }

    @Test
    void noiseModesMapPixelsAsDocumented() {
        byte[] px = {0, (byte) 255, (byte) 128, 64};
        ImageDataset d = new ImageDataset("p", px, null, 1, 1, 2, 1);
        float[] clean = new Batches(d, 1, 0, Batches.Noise.GAUSSIAN, 0.0, 0, false).at(0).images();
        assertArrayEquals(new float[] {-1f, 1f, (float) (128 / 127.5 - 1), (float) (64 / 127.5 - 1)}, clean, 1e-6f);
        float[] deq = new Batches(d, 1, 0, Batches.Noise.DEQUANTIZE, 0, 0, false).at(0).images();
        float[] lo = {0, 255, 128, 64};
        for (int i = 0; i < 4; i++) {
            double lower = lo[i] / 128.0 - 1;
            assertTrue(deq[i] >= lower && deq[i] < lower + 1 / 128.0, "dequantised value in its bin");
        }
    }

    @Test
    void imageFolderResizesCropsAndLabelsByFolder() throws IOException {
        for (String cls : new String[] {"cats", "dogs"}) {
            Files.createDirectories(dir.resolve(cls));
            for (int i = 0; i < 2; i++) {
                BufferedImage img = new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setColor(cls.equals("cats") ? Color.RED : Color.BLUE);
                g.fillRect(0, 0, 40, 20);
                g.dispose();
                ImageIO.write(img, "png", dir.resolve(cls).resolve(i + ".png").toFile());
            }
        }
        Files.writeString(dir.resolve("cats").resolve("notes.txt"), "not an image");
        ImageDataset d = ImageFolder.load(dir, 8, m -> { });
        assertEquals(4, d.size());
        assertEquals(3, d.channels());
        assertEquals(8, d.imageSize());
        assertEquals(2, d.numClasses());
        assertEquals(0, d.label(0));
        assertEquals(1, d.label(3));
        assertEquals(255, d.pixel(0, 0), "red channel of a red image");
        assertEquals(255, d.pixel(3, 2 * 64), "blue channel of a blue image");
    }
}
