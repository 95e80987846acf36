package org.tarflow.train.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * The IDX format of MNIST and Fashion-MNIST, raw or gzipped: two zero bytes, a type code (0x08 = unsigned byte), the
 * number of dimensions, big-endian 32-bit sizes, then the data. Everything is checked against the file length.
 */
public final class Idx {
    private Idx() {
    }

    /** An unsigned-byte IDX array: its shape and its bytes (row-major). */
    public record Array(int[] shape, byte[] data) {
    }

    public static Array read(Path file) throws IOException {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "IDX file not found");
        }
        if (raw.length >= 2 && (raw[0] & 0xff) == 0x1f && (raw[1] & 0xff) == 0x8b) {
            try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
                ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length * 4);
                in.transferTo(out);
                raw = out.toByteArray();
            } catch (java.io.EOFException | java.util.zip.ZipException e) {
                throw new IOException("IDX file " + file + " is a truncated or corrupt gzip stream: " + e.getMessage());
            }
        }
        return parse(raw, file.toString());
    }

    static Array parse(byte[] raw, String where) throws IOException {
        if (raw.length < 4) {
            throw new IOException("IDX file " + where + " is truncated: " + raw.length + " bytes");
        }
        if (raw[0] != 0 || raw[1] != 0) {
            throw new IOException("IDX file " + where + " has a wrong magic number (" + hex(raw, 4)
                    + "; an IDX file starts with 00 00 08 0N)");
        }
        if ((raw[2] & 0xff) != 0x08) {
            throw new IOException("IDX file " + where + " holds type 0x" + Integer.toHexString(raw[2] & 0xff)
                    + "; only unsigned bytes (0x08) are supported");
        }
        int dims = raw[3] & 0xff;
        if (dims < 1 || dims > 4) {
            throw new IOException("IDX file " + where + " declares " + dims + " dimensions");
        }
        if (raw.length < 4 + 4 * dims) {
            throw new IOException("IDX file " + where + " is truncated inside its header");
        }
        int[] shape = new int[dims];
        long count = 1;
        for (int i = 0; i < dims; i++) {
            int o = 4 + 4 * i;
            shape[i] = ((raw[o] & 0xff) << 24) | ((raw[o + 1] & 0xff) << 16) | ((raw[o + 2] & 0xff) << 8) | (raw[o + 3] & 0xff);
            if (shape[i] < 0) {
                throw new IOException("IDX file " + where + " has a negative size");
            }
            count *= shape[i];
        }
        int header = 4 + 4 * dims;
        if (raw.length - header != count) {
            throw new IOException("IDX file " + where + (raw.length - header < count ? " is truncated" : " has trailing bytes")
                    + ": shape " + Arrays.toString(shape) + " needs " + count + " bytes of data, found " + (raw.length - header));
        }
        return new Array(shape, Arrays.copyOfRange(raw, header, raw.length));
    }

    private static String hex(byte[] b, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(n, b.length); i++) {
            sb.append(String.format("%02x ", b[i] & 0xff));
        }
        return sb.toString().trim();
    }
}
