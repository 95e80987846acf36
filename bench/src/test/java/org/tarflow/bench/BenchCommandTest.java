package org.tarflow.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.flow.ModelConfig;
import org.tarflow.train.cli.TarflowCli;
import picocli.CommandLine;

/** `tarflow bench` end to end on a tiny model file: the table, the JSON list the benchmark issue specifies, bad input. */
class BenchCommandTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cl = TarflowCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Path tinyModel() throws Exception {
        Path f = dir.resolve("tiny.json");
        Files.writeString(f, ModelConfig.of(1, 8, 4, 32, 2, 1, 0, 16).toJson());
        return f;
    }

    @Test
    void writesOneJsonRowPerPhaseWithTheIssuesFields() throws Exception {
        Path json = dir.resolve("bench.json");
        Run r = run("bench", "--config", tinyModel().toString(), "--backend", "cpu", "--warmup", "1",
                "--warmup-seconds", "0", "--reps", "3", "--json", json.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode rows = new ObjectMapper().readTree(Files.readString(json));
        assertTrue(rows.isArray());
        List<String> phases = new ArrayList<>();
        for (JsonNode row : rows) {
            for (String field : List.of("backend", "config", "phase", "batch", "threads", "median_ms", "min_ms",
                    "max_ms", "peak_rss_mib", "core_fma_gflops")) {
                assertTrue(row.has(field), "missing field " + field + " in " + row);
            }
            assertEquals("cpu", row.get("backend").asText());
            assertEquals("tiny.json", row.get("config").asText());
            assertEquals(32, row.get("batch").asInt());
            double min = row.get("min_ms").asDouble();
            double median = row.get("median_ms").asDouble();
            double max = row.get("max_ms").asDouble();
            assertTrue(min > 0 && min <= median && median <= max, "times out of order in " + row);
            // the probe's FMA rate: positive, and below 4 GHz × 2 FMA pipes × 16 lanes × 2 flops (any x86 core)
            double core = row.get("core_fma_gflops").asDouble();
            assertTrue(core > 0 && core < 256, "core_fma_gflops out of range in " + row);
            phases.add(row.get("phase").asText());
        }
        assertEquals(EndToEndBench.PHASES, phases);
    }

    @Test
    void interleavedBackendsEachGetARowPerPhase() throws Exception {
        // the reference backend is slow but exact; on the tiny model two repetitions each are quick
        Path json = dir.resolve("both.json");
        Run r = run("bench", "--config", tinyModel().toString(), "--backend", "cpu,reference", "--interleave",
                "--phases", "fwd,train", "--warmup", "1", "--warmup-seconds", "0", "--reps", "2", "--json",
                json.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode rows = new ObjectMapper().readTree(Files.readString(json));
        List<String> seen = new ArrayList<>();
        for (JsonNode row : rows) {
            seen.add(row.get("phase").asText() + "/" + row.get("backend").asText());
            assertTrue(row.get("median_ms").asDouble() > 0, row.toString());
        }
        assertEquals(List.of("fwd/cpu", "fwd/reference", "train/cpu", "train/reference"), seen);
    }

    @Test
    void everyCommandAnswersHelpEvenWithRequiredOptionsMissing() {
        java.util.Set<String> names = TarflowCli.commandLine().getSubcommands().keySet();
        assertTrue(names.contains("bench") && names.contains("train"), names.toString());
        for (String name : names) {
            if (name.equals("help")) {
                continue;
            }
            Run r = run(name, "--help");
            assertEquals(0, r.exit(), name + " --help: " + r.err());
            assertTrue(r.out().contains("Usage: tarflow " + name), name + " --help printed: " + r.out() + r.err());
        }
    }

    @Test
    void rejectsBadArgumentsWithAClearMessage() throws Exception {
        Run noReps = run("bench", "--config", tinyModel().toString(), "--backend", "cpu", "--reps", "0");
        assertNotEquals(0, noReps.exit());
        assertTrue(noReps.err().contains("--reps must be >= 1"), noReps.err());
        Run badPhase = run("bench", "--config", tinyModel().toString(), "--backend", "cpu", "--phases", "fly",
                "--warmup", "0", "--warmup-seconds", "0", "--reps", "1");
        assertNotEquals(0, badPhase.exit());
        assertTrue(badPhase.err().contains("unknown phase 'fly'"), badPhase.err());
        Run missing = run("bench", "--config", dir.resolve("absent.json").toString(), "--backend", "cpu");
        assertNotEquals(0, missing.exit());
        assertTrue(missing.err().contains("absent.json"), missing.err());
        // a bad baseline is reported before anything else is done: before the (also missing) config is read
        Run noBaseline = run("bench", "--config", dir.resolve("absent.json").toString(), "--backend", "cpu",
                "--baseline", dir.resolve("torch.json").toString());
        assertNotEquals(0, noBaseline.exit());
        assertTrue(noBaseline.err().contains("torch.json: no such file"), noBaseline.err());
        assertTrue(!noBaseline.err().contains("absent.json"), noBaseline.err());
    }
}
