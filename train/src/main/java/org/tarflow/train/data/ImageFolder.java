package org.tarflow.train.data;

import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/**
 * A folder of PNG/JPEG images: one sub-folder per class (sorted names give labels 0, 1, ...), or the images directly
 * in the folder (unlabelled). Each image is scaled so its shorter side is {@code size} (area averaging), then
 * centre-cropped to size × size. Greyscale if every image is greyscale, RGB otherwise.
 */
public final class ImageFolder {
    private ImageFolder() {
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"));
    }

    public static ImageDataset load(Path dir, int size, Consumer<String> log) throws IOException {
        if (size < 1) {
            throw new IllegalArgumentException("image size must be >= 1, got " + size);
        }
        List<Path> classes = new ArrayList<>();
        try (var list = Files.list(dir)) {
            list.filter(Files::isDirectory).sorted().forEach(classes::add);
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        if (classes.isEmpty()) {
            try (var list = Files.list(dir)) {
                list.filter(ImageFolder::isImage).sorted().forEach(files::add);
            }
        } else {
            for (int c = 0; c < classes.size(); c++) {
                final int label = c;
                try (var list = Files.list(classes.get(c))) {
                    list.filter(ImageFolder::isImage).sorted().forEach(p -> {
                        files.add(p);
                        labels.add(label);
                    });
                }
            }
        }
        if (files.isEmpty()) {
            throw new IOException("no .png/.jpg/.jpeg images in " + dir + " (expected one sub-folder per class)");
        }
        List<BufferedImage> images = new ArrayList<>(files.size());
        boolean allGrey = true;
        for (Path f : files) {
            BufferedImage img = ImageIO.read(f.toFile());
            if (img == null) {
                throw new IOException("cannot decode image " + f);
            }
            allGrey &= img.getColorModel().getNumColorComponents() == 1;
            images.add(cropTo(img, size));
        }
        int channels = allGrey ? 1 : 3;
        int n = images.size();
        byte[] pixels = new byte[n * channels * size * size];
        for (int i = 0; i < n; i++) {
            BufferedImage img = images.get(i);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int rgb = img.getRGB(x, y);
                    int base = i * channels * size * size + y * size + x;
                    if (channels == 1) {
                        pixels[base] = (byte) (rgb & 0xff);
                    } else {
                        pixels[base] = (byte) ((rgb >> 16) & 0xff);
                        pixels[base + size * size] = (byte) ((rgb >> 8) & 0xff);
                        pixels[base + 2 * size * size] = (byte) (rgb & 0xff);
                    }
                }
            }
        }
        int[] y = labels.isEmpty() ? null : labels.stream().mapToInt(Integer::intValue).toArray();
        log.accept("loaded " + n + " images from " + dir + (classes.isEmpty() ? "" : " in " + classes.size() + " classes")
                + ", " + (channels == 1 ? "greyscale" : "RGB") + " " + size + "x" + size);
        return new ImageDataset(dir.getFileName().toString(), pixels, y, n, channels, size, Math.max(1, classes.size()));
    }

    /** Scale the shorter side to {@code size}, then take the centre square. */
    static BufferedImage cropTo(BufferedImage src, int size) {
        int w = src.getWidth();
        int h = src.getHeight();
        double scale = (double) size / Math.min(w, h);
        int sw = Math.max(size, (int) Math.round(w * scale));
        int sh = Math.max(size, (int) Math.round(h * scale));
        Image scaled = src.getScaledInstance(sw, sh, Image.SCALE_AREA_AVERAGING);
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(scaled, -(sw - size) / 2, -(sh - size) / 2, null);
        g.dispose();
        return out;
    }
}
