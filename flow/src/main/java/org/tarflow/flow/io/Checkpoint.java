package org.tarflow.flow.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlow;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.Tensor;

/**
 * Model checkpoints as safetensors under the reference's state_dict names, Linear weights [out, in], with the model
 * config as JSON in {@code __metadata__.config}. A state_dict converted from the reference loads unchanged, including
 * its buffers {@code var} [N, D] and {@code blocks.{k}.attn_mask} [N, N] (a lower-triangular mask of ones).
 */
public final class Checkpoint {
    public static final String CONFIG_KEY = "config";
    private static final Pattern ATTN_MASK = Pattern.compile("blocks\\.\\d+\\.attn_mask");

    private Checkpoint() {
    }

    /** A loaded model with the metadata it came with. */
    public record Loaded(TarFlow model, Map<String, String> metadata) {
    }

    /** Reads the config from the file's metadata, builds the model on {@code backend} and loads every tensor. */
    public static Loaded load(Path file, Backend backend) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        String json = c.metadata().get(CONFIG_KEY);
        if (json == null) {
            throw new IOException("checkpoint " + file + " has no __metadata__.config (the model config as JSON);"
                    + " add it when converting a reference state_dict, e.g. {\"in_channels\": 1, \"img_size\": 28, ...}");
        }
        ModelConfig cfg;
        try {
            cfg = ModelConfig.fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new IOException("checkpoint " + file + ": " + e.getMessage(), e);
        }
        TarFlow model = TarFlow.create(cfg, backend, 0);
        try {
            loadInto(model, c.tensors());
        } catch (IllegalArgumentException e) {
            throw new IOException("checkpoint " + file + ": " + e.getMessage(), e);
        }
        return new Loaded(model, c.metadata());
    }

    /**
     * Copies tensors into a model's parameters. Every parameter must be present with its exact shape and finite
     * values; the reference's buffers are accepted; anything else is an error listing the unknown names.
     */
    public static void loadInto(TarFlow model, Map<String, SafeTensors.Entry> tensors) {
        ModelConfig cfg = model.config();
        Map<String, Tensor> params = model.parameters();
        List<String> missing = new ArrayList<>();
        for (String name : params.keySet()) {
            if (!tensors.containsKey(name)) {
                missing.add(name);
            }
        }
        TreeSet<String> unknown = new TreeSet<>();
        for (String name : tensors.keySet()) {
            if (!params.containsKey(name) && !name.equals("var") && !ATTN_MASK.matcher(name).matches()) {
                unknown.add(name);
            }
        }
        if (!missing.isEmpty() || !unknown.isEmpty()) {
            throw new IllegalArgumentException((missing.isEmpty() ? "" : "missing tensors " + missing + " ")
                    + (unknown.isEmpty() ? "" : "unknown tensors " + unknown + " ")
                    + "for config " + cfg.toJson());
        }
        for (Map.Entry<String, Tensor> p : params.entrySet()) {
            SafeTensors.Entry e = tensors.get(p.getKey());
            checkShape(p.getKey(), p.getValue().shape(), e.shape());
            checkFinite(p.getKey(), e.values());
            p.getValue().set(e.values());
        }
        SafeTensors.Entry var = tensors.get("var");
        if (var != null) {
            checkShape("var", model.priorVariance().shape(), var.shape());
            checkFinite("var", var.values());
            for (float v : var.values()) {
                if (v < 0) {
                    throw new IllegalArgumentException("tensor 'var' (prior variance) has a negative entry " + v);
                }
            }
            model.priorVariance().set(var.values());
        }
        for (Map.Entry<String, SafeTensors.Entry> e : tensors.entrySet()) {
            if (ATTN_MASK.matcher(e.getKey()).matches()) {
                checkCausalMask(e.getKey(), e.getValue(), cfg.numPatches());
            }
        }
    }

    private static void checkShape(String name, int[] expected, int[] got) {
        if (!Arrays.equals(expected, got)) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(got)
                    + ", the model expects " + Arrays.toString(expected));
        }
    }

    private static void checkFinite(String name, float[] v) {
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new IllegalArgumentException("tensor '" + name + "' holds a non-finite value (" + v[i]
                        + " at index " + i + ")");
            }
        }
    }

    /** This implementation is causal by construction; a stored mask must say the same thing. */
    private static void checkCausalMask(String name, SafeTensors.Entry e, int n) {
        checkShape(name, new int[] {n, n}, e.shape());
        float[] m = e.values();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                float want = j <= i ? 1f : 0f;
                if (m[i * n + j] != want) {
                    throw new IllegalArgumentException("tensor '" + name + "' is not the lower-triangular causal mask"
                            + " (entry [" + i + "," + j + "] is " + m[i * n + j] + ")");
                }
            }
        }
    }

    /** Writes the model (and {@code var}) with its config and any extra metadata, atomically. */
    public static void save(TarFlow model, Path file, Map<String, String> extraMetadata) throws IOException {
        Map<String, SafeTensors.Entry> out = new LinkedHashMap<>();
        Tensor var = model.priorVariance();
        out.put("var", new SafeTensors.Entry(var.shape(), var.toFloatArray()));
        for (Map.Entry<String, Tensor> p : model.parameters().entrySet()) {
            out.put(p.getKey(), new SafeTensors.Entry(p.getValue().shape(), p.getValue().toFloatArray()));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(CONFIG_KEY, model.config().toJson());
        meta.put("format", "pt");
        if (extraMetadata != null) {
            meta.putAll(extraMetadata);
        }
        SafeTensors.write(file, out, meta);
    }
}
