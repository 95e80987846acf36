package org.tarflow.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Median times to compare against, measured on the same machine: a JSON list in the format `tarflow bench --json`
 * writes, which {@code scripts/torch-baseline.sh --json} writes too. Only backend, config, phase and median_ms are
 * read; where the list holds several rows for one config and phase (several backends), the first one counts.
 */
record Baseline(Path file, Map<String, Entry> byConfigAndPhase) {
    /** One baseline median. */
    record Entry(String backend, double medianMs) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads and checks a baseline file; every problem is an IllegalArgumentException that names the file. */
    static Baseline read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--baseline " + file + ": no such file");
        } catch (IOException e) {
            throw new IllegalArgumentException("--baseline " + file + ": cannot read it (" + e.getMessage() + ")");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("--baseline " + file + ": not JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException("--baseline " + file
                    + ": expected a JSON list of {\"backend\", \"config\", \"phase\", \"median_ms\", ...} objects,"
                    + " as `tarflow bench --json` writes");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode row = root.get(i);
            String where = "--baseline " + file + ": entry " + i;
            for (String field : new String[] {"backend", "config", "phase"}) {
                if (row == null || !row.hasNonNull(field) || !row.get(field).isTextual()) {
                    throw new IllegalArgumentException(where + " has no \"" + field + "\" string");
                }
            }
            JsonNode median = row.get("median_ms");
            if (median == null || !median.isNumber() || !(median.asDouble() > 0)
                    || Double.isInfinite(median.asDouble())) {
                throw new IllegalArgumentException(where + " has no positive \"median_ms\" number");
            }
            entries.putIfAbsent(key(row.get("config").asText(), row.get("phase").asText()),
                    new Entry(row.get("backend").asText(), median.asDouble()));
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("--baseline " + file + ": the list is empty");
        }
        return new Baseline(file, Map.copyOf(entries));
    }

    /** The baseline for this config and phase, or null where the file has none. */
    Entry find(String config, String phase) {
        return byConfigAndPhase.get(key(config, phase));
    }

    private static String key(String config, String phase) {
        return config + "/" + phase;
    }
}
