package org.tarflow.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** {@code metrics.jsonl}: one JSON object per optimiser step, appended and flushed as training goes. */
public final class Metrics implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedWriter out;

    /**
     * Opens the file for appending. On resume, lines for steps at or after {@code keepBefore} are dropped first (they
     * were logged after the checkpoint the run resumes from, and will be logged again).
     */
    public Metrics(Path file, long keepBefore) throws IOException {
        if (Files.exists(file)) {
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode n = JSON.readTree(line);
                    if (n.has("step") && n.get("step").asLong() < keepBefore) {
                        kept.add(line);
                    }
                } catch (IOException e) {
                    // a line cut short by a crash: dropped
                }
            }
            Files.write(file, kept, StandardCharsets.UTF_8);
        }
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    public ObjectNode record() {
        return JSON.createObjectNode();
    }

    public void write(ObjectNode record) throws IOException {
        out.write(JSON.writeValueAsString(record));
        out.newLine();
        out.flush();
    }

    /** Reads one numeric field of every line that has it, as {step, value} pairs. */
    public static List<double[]> read(Path file, String field) throws IOException {
        List<double[]> points = new ArrayList<>();
        if (!Files.exists(file)) {
            return points;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = JSON.readTree(line);
            if (n.has("step") && n.has(field) && n.get(field).isNumber()) {
                points.add(new double[] {n.get("step").asDouble(), n.get(field).asDouble()});
            }
        }
        return points;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
