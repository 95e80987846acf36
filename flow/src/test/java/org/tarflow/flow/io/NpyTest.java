package org.tarflow.flow.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** .npy round trips for every supported dtype, NumPy's own files, and refusals that say what to do. */
class NpyTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsEverySupportedDtype() throws IOException {
        Path f = dir.resolve("a.npy");
        Npy.writeFloat32(f, new float[] {1.5f, -2f, 3f, 4f, 5f, 6f}, 2, 3);
        Npy.Array a = Npy.read(f);
        assertEquals("float32", a.dtype());
        assertArrayEquals(new int[] {2, 3}, a.shape());
        assertArrayEquals(new float[] {1.5f, -2f, 3f, 4f, 5f, 6f}, a.floats());
        assertEquals(0, (Files.size(f) - 24) % 64, "data starts on a 64-byte boundary, as NumPy pads");

        Npy.writeFloat64(f, new double[] {Math.PI}, 1);
        assertArrayEquals(new double[] {Math.PI}, Npy.read(f).doubles());

        Npy.writeInt64(f, new long[] {3, -1, 7}, 3);
        assertArrayEquals(new int[] {3, -1, 7}, Npy.read(f).asInts());

        Npy.writeFloat32(f, new float[] {2f}); // a 0-d array
        assertArrayEquals(new int[0], Npy.read(f).shape());
    }

    @Test
    void readsTheGoldenFilesNumPyWrote() throws Exception {
        Path x = Path.of(NpyTest.class.getResource("/golden/mnist_p4/cond/y.npy").toURI());
        Npy.Array y = Npy.read(x);
        assertEquals("int64", y.dtype());
        assertArrayEquals(new int[] {8}, y.shape());
        Npy.Array z = Npy.read(x.resolveSibling("z.npy"));
        assertEquals("float64", z.dtype());
        assertArrayEquals(new int[] {8, 49, 16}, z.shape());
    }

    private Path raw(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[10 + h.length + dataBytes];
        out[0] = (byte) 0x93;
        System.arraycopy("NUMPY".getBytes(StandardCharsets.ISO_8859_1), 0, out, 1, 5);
        out[6] = 1;
        out[8] = (byte) h.length;
        System.arraycopy(h, 0, out, 10, h.length);
        Path f = dir.resolve("raw.npy");
        Files.write(f, out);
        return f;
    }

    @Test
    void badFilesAreRefusedWithAdvice() throws IOException {
        IOException e = assertThrows(IOException.class,
                () -> Npy.read(raw("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }\n", 8)));
        assertTrue(e.getMessage().contains("'>f4' is not supported") && e.getMessage().contains("astype"), e.getMessage());
        e = assertThrows(IOException.class,
                () -> Npy.read(raw("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", 16)));
        assertTrue(e.getMessage().contains("Fortran order"), e.getMessage());
        e = assertThrows(IOException.class,
                () -> Npy.read(raw("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n", 8)));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Path notNpy = dir.resolve("text.npy");
        Files.writeString(notNpy, "hello world, not an array");
        e = assertThrows(IOException.class, () -> Npy.read(notNpy));
        assertTrue(e.getMessage().contains("not a NumPy array"), e.getMessage());
        e = assertThrows(IOException.class, () -> Npy.read(dir.resolve("missing.npy")));
        assertTrue(e.getMessage().contains("missing.npy"), e.getMessage());
    }

    @Test
    void labelsMustBeWholeNumbers() throws IOException {
        Path f = dir.resolve("l.npy");
        Npy.writeFloat32(f, new float[] {1f, 2.5f}, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npy.read(f).asInts());
        assertTrue(e.getMessage().contains("2.5"), e.getMessage());
    }
}
