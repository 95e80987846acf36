package org.tarflow.flow.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlow;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.reference.ReferenceBackend;

/** Checkpoints: round trips, the reference's buffers, and every kind of bad file giving an error that names it. */
class CheckpointTest {
    private final Backend be = new ReferenceBackend();
    private final ModelConfig cfg = ModelConfig.of(1, 8, 4, 64, 2, 1, 3);

    @TempDir
    Path dir;

    private Map<String, SafeTensors.Entry> state(TarFlow m) {
        Map<String, SafeTensors.Entry> out = new LinkedHashMap<>();
        for (var e : m.parameters().entrySet()) {
            out.put(e.getKey(), new SafeTensors.Entry(e.getValue().shape(), e.getValue().toFloatArray()));
        }
        return out;
    }

    private Path write(Map<String, SafeTensors.Entry> tensors, String configJson) throws IOException {
        Path f = dir.resolve("m.safetensors");
        SafeTensors.write(f, tensors, configJson == null ? Map.of() : Map.of("config", configJson));
        return f;
    }

    @Test
    void roundTripKeepsEveryParameterAndTheConfig() throws IOException {
        TarFlow m = TarFlow.create(cfg, be, 5);
        Path f = dir.resolve("ck.safetensors");
        Checkpoint.save(m, f, Map.of("step", "12"));
        Checkpoint.Loaded back = Checkpoint.load(f, be);
        assertEquals(cfg, back.model().config());
        assertEquals("12", back.metadata().get("step"));
        for (var e : m.parameters().entrySet()) {
            assertArrayEquals(e.getValue().toFloatArray(), back.model().parameters().get(e.getKey()).toFloatArray(),
                    e.getKey());
        }
        assertTrue(Files.list(dir).noneMatch(p -> p.toString().endsWith(".tmp")), "no temporary file left behind");
    }

    @Test
    void referenceBuffersAreAccepted() throws IOException {
        TarFlow m = TarFlow.create(cfg, be, 5);
        Map<String, SafeTensors.Entry> s = state(m);
        int n = cfg.numPatches();
        float[] mask = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                mask[i * n + j] = 1;
            }
        }
        float[] var = new float[n * cfg.tokenDim()];
        java.util.Arrays.fill(var, 4f);
        s.put("blocks.0.attn_mask", new SafeTensors.Entry(new int[] {n, n}, mask));
        s.put("blocks.1.attn_mask", new SafeTensors.Entry(new int[] {n, n}, mask));
        s.put("var", new SafeTensors.Entry(new int[] {n, cfg.tokenDim()}, var));
        TarFlow back = Checkpoint.load(write(s, cfg.toJson()), be).model();
        assertEquals(4.0, back.priorVariance().toDoubleArray()[0]);
    }

    @Test
    void badContentsAreClearErrorsNamingTheTensor() throws IOException {
        TarFlow m = TarFlow.create(cfg, be, 5);
        Map<String, SafeTensors.Entry> missing = state(m);
        missing.remove("blocks.1.proj_out.bias");
        IOException e = assertThrows(IOException.class, () -> Checkpoint.load(write(missing, cfg.toJson()), be));
        assertTrue(e.getMessage().contains("missing tensors [blocks.1.proj_out.bias]"), e.getMessage());

        Map<String, SafeTensors.Entry> unknown = state(m);
        unknown.put("blocks.0.extra", new SafeTensors.Entry(new int[] {1}, new float[1]));
        e = assertThrows(IOException.class, () -> Checkpoint.load(write(unknown, cfg.toJson()), be));
        assertTrue(e.getMessage().contains("unknown tensors [blocks.0.extra]"), e.getMessage());

        Map<String, SafeTensors.Entry> shape = state(m);
        shape.put("blocks.0.proj_in.weight", new SafeTensors.Entry(new int[] {16, 64}, new float[1024]));
        e = assertThrows(IOException.class, () -> Checkpoint.load(write(shape, cfg.toJson()), be));
        assertTrue(e.getMessage().contains("'blocks.0.proj_in.weight' has shape [16, 64]")
                && e.getMessage().contains("[64, 16]"), e.getMessage());

        Map<String, SafeTensors.Entry> nan = state(m);
        float[] bad = nan.get("blocks.0.pos_embed").values().clone();
        bad[3] = Float.NaN;
        nan.put("blocks.0.pos_embed", new SafeTensors.Entry(nan.get("blocks.0.pos_embed").shape(), bad));
        e = assertThrows(IOException.class, () -> Checkpoint.load(write(nan, cfg.toJson()), be));
        assertTrue(e.getMessage().contains("'blocks.0.pos_embed' holds a non-finite value"), e.getMessage());

        e = assertThrows(IOException.class, () -> Checkpoint.load(write(state(m), null), be));
        assertTrue(e.getMessage().contains("no __metadata__.config"), e.getMessage());

        e = assertThrows(IOException.class, () -> Checkpoint.load(write(state(m), "{\"in_channels\": 1}"), be));
        assertTrue(e.getMessage().contains("missing 'img_size'"), e.getMessage());
    }

    @Test
    void truncatedAndCorruptFilesAreClearErrors() throws IOException {
        TarFlow m = TarFlow.create(cfg, be, 5);
        Path good = dir.resolve("good.safetensors");
        Checkpoint.save(m, good, null);
        byte[] bytes = Files.readAllBytes(good);

        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        IOException e = assertThrows(IOException.class, () -> Checkpoint.load(cut, be));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("cut.safetensors"), e.getMessage());

        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        e = assertThrows(IOException.class, () -> Checkpoint.load(tiny, be));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());

        Path garbage = dir.resolve("garbage.safetensors");
        byte[] g = bytes.clone();
        g[8] = '#'; // the header's opening brace
        Files.write(garbage, g);
        e = assertThrows(IOException.class, () -> Checkpoint.load(garbage, be));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());

        Path huge = dir.resolve("huge.safetensors");
        byte[] h = bytes.clone();
        ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Files.write(huge, h);
        e = assertThrows(IOException.class, () -> Checkpoint.load(huge, be));
        assertTrue(e.getMessage().contains("corrupt or truncated"), e.getMessage());

        e = assertThrows(IOException.class, () -> Checkpoint.load(dir.resolve("absent.safetensors"), be));
        assertTrue(e.getMessage().contains("absent.safetensors"), e.getMessage());
    }

    @Test
    void halfPrecisionTensorsAreRead() throws IOException {
        // one F16 and one BF16 tensor, written byte by byte as PyTorch's safetensors would
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[6,10]}}";
        byte[] hb = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + hb.length + 10).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(hb.length).put(hb);
        buf.putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x0001); // 1, −2, 2^-24
        buf.putShort((short) 0x3FC0).putShort((short) 0xBF80);                          // 1.5, −1
        Path f = dir.resolve("half.safetensors");
        Files.write(f, buf.array());
        SafeTensors.Contents c = SafeTensors.read(f);
        assertArrayEquals(new float[] {1f, -2f, 0x1p-24f}, c.tensors().get("h").values());
        assertArrayEquals(new float[] {1.5f, -1f}, c.tensors().get("b").values());
    }

    @Test
    void unreadableDtypeIsNamed() throws IOException {
        String header = "{\"i\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[0,2]}}";
        byte[] hb = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + hb.length + 2).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(hb.length).put(hb).put((byte) 1).put((byte) 2);
        Path f = dir.resolve("int.safetensors");
        Files.write(f, buf.array());
        IOException e = assertThrows(IOException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().contains("tensor 'i'") && e.getMessage().contains("I8"), e.getMessage());
    }

    @Test
    void modelWeightsMoveBetweenBackends() throws IOException {
        TarFlow m = TarFlow.create(cfg, be, 9);
        Path f = dir.resolve("x.safetensors");
        Checkpoint.save(m, f, null);
        TarFlow again = Checkpoint.load(f, be).model();
        Tensor w = again.parameters().get("blocks.1.attn_blocks.0.mlp.main.2.weight");
        assertArrayEquals(m.parameters().get("blocks.1.attn_blocks.0.mlp.main.2.weight").toFloatArray(), w.toFloatArray());
    }
}
