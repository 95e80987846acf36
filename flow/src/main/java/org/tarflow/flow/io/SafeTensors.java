package org.tarflow.flow.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping tensor names to
 * {@code {dtype, shape, data_offsets}} (plus an optional {@code __metadata__} of string pairs), then the raw
 * little-endian data. Reads F32, F16, BF16 and F64 into float32; writes F32. Every inconsistency (truncated file,
 * header past the end, overlapping or out-of-range offsets, a size that does not match the shape) is an error that
 * names the file and the tensor.
 */
public final class SafeTensors {
    /** Headers larger than this are refused as corrupt (real ones are kilobytes). */
    private static final long MAX_HEADER = 100L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensors() {
    }

    /** One tensor read from or written to a file: shape and float32 values, row-major. */
    public record Entry(int[] shape, float[] values) {
        public Entry {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            if (n != values.length) {
                throw new IllegalArgumentException("safetensors entry: " + values.length + " values for shape "
                        + java.util.Arrays.toString(shape));
            }
        }
    }

    /** A whole file: tensors in header order, and the metadata strings. */
    public record Contents(Map<String, Entry> tensors, Map<String, String> metadata) {
    }

    public static Contents read(Path file) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "checkpoint file not found");
        }
        String where = "safetensors file " + file;
        if (size < 8) {
            throw new IOException(where + " is truncated: " + size + " bytes, shorter than the 8-byte header length");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, where);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw new IOException(where + " is corrupt or truncated: header length " + headerLen + " but the file has "
                        + size + " bytes");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8, where);
            String headerText = new String(headerBuf.array(), StandardCharsets.UTF_8);
            JsonNode header;
            try {
                header = JSON.readTree(headerText);
            } catch (JsonProcessingException e) {
                throw new IOException(where + " is corrupt: its header is not valid JSON (" + e.getOriginalMessage() + ")");
            }
            if (header == null || !header.isObject()) {
                throw new IOException(where + " is corrupt: its header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, Entry> tensors = new LinkedHashMap<>();
            List<long[]> ranges = new ArrayList<>();
            Iterator<Map.Entry<String, JsonNode>> it = header.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                JsonNode node = e.getValue();
                if (name.equals("__metadata__")) {
                    if (!node.isObject()) {
                        throw new IOException(where + ": __metadata__ must be an object of strings");
                    }
                    node.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                String what = where + ", tensor '" + name + "'";
                if (!node.isObject() || !node.has("dtype") || !node.has("shape") || !node.has("data_offsets")) {
                    throw new IOException(what + ": entry needs dtype, shape and data_offsets");
                }
                String dtype = node.get("dtype").asText();
                int width = switch (dtype) {
                    case "F32" -> 4;
                    case "F16", "BF16" -> 2;
                    case "F64" -> 8;
                    default -> throw new IOException(what + ": dtype " + dtype
                            + " is not supported (F32, F16, BF16, F64 are)");
                };
                JsonNode shapeNode = node.get("shape");
                int[] shape = new int[shapeNode.size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    long d = shapeNode.get(i).asLong(-1);
                    if (d < 0 || d > Integer.MAX_VALUE) {
                        throw new IOException(what + ": bad shape " + shapeNode);
                    }
                    shape[i] = (int) d;
                    count *= d;
                }
                JsonNode off = node.get("data_offsets");
                long begin = off.get(0).asLong(-1);
                long end = off.get(1).asLong(-1);
                if (begin < 0 || end < begin || end > dataLen) {
                    throw new IOException(what + ": data_offsets [" + begin + ", " + end + ") fall outside the "
                            + dataLen + " data bytes (truncated file?)");
                }
                if (end - begin != count * width) {
                    throw new IOException(what + ": " + (end - begin) + " data bytes do not hold shape " + shapeNode
                            + " of " + dtype);
                }
                if (count > Integer.MAX_VALUE - 8) {
                    throw new IOException(what + ": too large for one Java array");
                }
                ranges.add(new long[] {begin, end});
                ByteBuffer data = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, data, dataStart + begin, what);
                tensors.put(name, new Entry(shape, decode(data, dtype, (int) count)));
            }
            checkNoOverlap(ranges, where);
            return new Contents(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
        }
    }

    private static void checkNoOverlap(List<long[]> ranges, String where) throws IOException {
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int i = 1; i < ranges.size(); i++) {
            if (ranges.get(i)[0] < ranges.get(i - 1)[1]) {
                throw new IOException(where + " is corrupt: two tensors share data bytes");
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, String where) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException(where + " is truncated");
            }
            pos += n;
        }
        buf.flip();
    }

    private static float[] decode(ByteBuffer b, String dtype, int count) {
        float[] out = new float[count];
        switch (dtype) {
            case "F32" -> b.asFloatBuffer().get(out);
            case "F64" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = (float) b.getDouble(i * 8);
                }
            }
            case "F16" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = halfToFloat(b.getShort(i * 2));
                }
            }
            case "BF16" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
                }
            }
            default -> throw new AssertionError(dtype);
        }
        return out;
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat arrived only in Java 20). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits >>> 15) << 31;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant * 0x1p-24f; // subnormal: mant · 2^-24
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /**
     * Writes F32 tensors (in the map's order) and metadata, atomically: to a temporary file in the same folder, then
     * renamed over the target, so a crash never leaves a half-written file under the final name.
     */
    public static void write(Path file, Map<String, Entry> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (int d : e.getValue().shape()) {
                shape.add(d);
            }
            long bytes = 4L * e.getValue().values().length;
            var off = t.putArray("data_offsets");
            off.add(offset);
            off.add(offset + bytes);
            offset += bytes;
        }
        byte[] headerBytes = JSON.writeValueAsBytes(header);
        int padded = (headerBytes.length + 7) / 8 * 8; // the format pads the header with spaces to 8 bytes
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded);
        head.put(headerBytes);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        AtomicFiles.write(file, ch -> {
            writeFully(ch, head);
            for (Entry e : tensors.values()) {
                float[] v = e.values();
                ByteBuffer buf = ByteBuffer.allocate(4 * Math.min(v.length, 1 << 20)).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < v.length; i += 1 << 20) {
                    int n = Math.min(1 << 20, v.length - i);
                    buf.clear();
                    buf.asFloatBuffer().put(v, i, n);
                    buf.limit(4 * n);
                    writeFully(ch, buf);
                }
            }
        });
    }

    static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
