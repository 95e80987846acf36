package org.tarflow.flow.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} arrays (format versions 1.0 to 3.0): little-endian float32, float64 and int64 in C order, the
 * command line's array format. Big-endian data, Fortran order and other dtypes are refused with a message that says
 * how to convert the file.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** A loaded array. Exactly one of {@code floats}, {@code doubles}, {@code longs} is set, per {@code dtype}. */
    public record Array(String dtype, int[] shape, float[] floats, double[] doubles, long[] longs) {
        public int size() {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }

        /** Values as float32 (floats as they are, doubles rounded, integers converted). */
        public float[] asFloats() {
            if (floats != null) {
                return floats;
            }
            float[] out = new float[size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = doubles != null ? (float) doubles[i] : (float) longs[i];
            }
            return out;
        }

        /** Values as float64. */
        public double[] asDoubles() {
            if (doubles != null) {
                return doubles;
            }
            double[] out = new double[size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = floats != null ? floats[i] : longs[i];
            }
            return out;
        }

        /** Values as ints (labels); floats must hold whole numbers. */
        public int[] asInts() {
            int[] out = new int[size()];
            for (int i = 0; i < out.length; i++) {
                double v = longs != null ? longs[i] : floats != null ? floats[i] : doubles[i];
                if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("expected integer labels, found " + v + " at index " + i);
                }
                out[i] = (int) v;
            }
            return out;
        }
    }

    public static Array read(Path file) throws IOException {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, ".npy file not found");
        }
        String where = ".npy file " + file;
        if (all.length < 10 || !Arrays.equals(Arrays.copyOf(all, 6), MAGIC)) {
            throw new IOException(where + " is not a NumPy array (missing \\x93NUMPY magic)");
        }
        int major = all[6];
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = b.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (all.length < 12) {
                throw new IOException(where + " is truncated");
            }
            headerLen = b.getInt(8);
            headerStart = 12;
        } else {
            throw new IOException(where + ": unsupported .npy format version " + major);
        }
        if (headerLen < 0 || headerStart + (long) headerLen > all.length) {
            throw new IOException(where + " is truncated: the header runs past the end of the file");
        }
        String header = new String(all, headerStart, headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, where, "descr");
        if (group(FORTRAN, header, where, "fortran_order").equals("True")) {
            throw new IOException(where + " is in Fortran order; save it with np.ascontiguousarray(a) first");
        }
        String shapeText = group(SHAPE, header, where, "shape").trim();
        int[] shape = shapeText.isEmpty() ? new int[0] : Arrays.stream(shapeText.split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
        long count = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IOException(where + ": negative size in shape " + Arrays.toString(shape));
            }
            count *= d;
        }
        int width = switch (descr) {
            case "<f4" -> 4;
            case "<f8", "<i8" -> 8;
            default -> throw new IOException(where + ": dtype '" + descr + "' is not supported; save float32 ('<f4'),"
                    + " float64 ('<f8') or int64 ('<i8') little-endian, e.g. a.astype(np.float32)");
        };
        int dataStart = headerStart + headerLen;
        long expected = count * width;
        if (all.length - dataStart < expected) {
            throw new IOException(where + " is truncated: shape " + Arrays.toString(shape) + " needs " + expected
                    + " data bytes, the file has " + (all.length - dataStart));
        }
        if (all.length - dataStart > expected) {
            throw new IOException(where + " has " + (all.length - dataStart - expected)
                    + " bytes beyond its data: corrupt or not a single array");
        }
        ByteBuffer data = ByteBuffer.wrap(all, dataStart, (int) expected).slice().order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) count;
        return switch (descr) {
            case "<f4" -> {
                float[] v = new float[n];
                data.asFloatBuffer().get(v);
                yield new Array("float32", shape, v, null, null);
            }
            case "<f8" -> {
                double[] v = new double[n];
                data.asDoubleBuffer().get(v);
                yield new Array("float64", shape, null, v, null);
            }
            default -> {
                long[] v = new long[n];
                data.asLongBuffer().get(v);
                yield new Array("int64", shape, null, null, v);
            }
        };
    }

    private static String group(Pattern p, String header, String where, String key) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IOException(where + ": header has no '" + key + "': " + header.trim());
        }
        return m.group(1);
    }

    public static void writeFloat32(Path file, float[] values, int... shape) throws IOException {
        check(values.length, shape);
        ByteBuffer data = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(values);
        write(file, "<f4", shape, data.array());
    }

    public static void writeFloat64(Path file, double[] values, int... shape) throws IOException {
        check(values.length, shape);
        ByteBuffer data = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        data.asDoubleBuffer().put(values);
        write(file, "<f8", shape, data.array());
    }

    public static void writeInt64(Path file, long[] values, int... shape) throws IOException {
        check(values.length, shape);
        ByteBuffer data = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        data.asLongBuffer().put(values);
        write(file, "<i8", shape, data.array());
    }

    private static void check(int n, int[] shape) {
        long c = 1;
        for (int d : shape) {
            c *= d;
        }
        if (c != n) {
            throw new IllegalArgumentException("npy: " + n + " values for shape " + Arrays.toString(shape));
        }
    }

    private static void write(Path file, String descr, int[] shape, byte[] data) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int d : shape) {
            s.append(d).append(", ");
        }
        String shapeText = shape.length == 1 ? shape[0] + "," : shape.length == 0 ? "" : s.substring(0, s.length() - 2);
        String dict = String.format(Locale.ROOT, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr,
                shapeText);
        // version 1.0: magic, version, 2-byte header length; header padded with spaces and ended by \n to 64 bytes
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer out = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        out.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data);
        AtomicFiles.write(file, out.array());
    }
}
