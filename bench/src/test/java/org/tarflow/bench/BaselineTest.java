package org.tarflow.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `tarflow bench --baseline FILE`: reading a measured baseline, the ratio column, and bad files. */
class BaselineTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    /** The layout scripts/torch-baseline.py writes (one line, its own field order). */
    private static final String TORCH = "[{\"backend\": \"torch\", \"config\": \"A\", \"phase\": \"fwd\","
            + " \"batch\": 32, \"threads\": 2, \"median_ms\": 200.0, \"min_ms\": 190.0, \"max_ms\": 230.0,"
            + " \"peak_rss_mib\": 310.0},"
            + " {\"backend\": \"torch\", \"config\": \"A\", \"phase\": \"train\", \"batch\": 32, \"threads\": 2,"
            + " \"median_ms\": 600.0, \"min_ms\": 590.0, \"max_ms\": 640.0, \"peak_rss_mib\": 663.0},"
            + " {\"backend\": \"other\", \"config\": \"A\", \"phase\": \"fwd\", \"median_ms\": 1.0}]";

    private static EndToEndBench.Row row(String phase, double median) {
        return new EndToEndBench.Row("cpu", "A", phase, 32, 2, median, median - 1, median + 1, 900, 210);
    }

    @Test
    void printsEachMediansRatioToTheBaselineOfTheSameConfigAndPhase() throws Exception {
        Baseline base = Baseline.read(file("torch.json", TORCH));
        // the first row for a config and phase counts ("other" comes later)
        assertEquals(new Baseline.Entry("torch", 200.0), base.find("A", "fwd"));
        assertNull(base.find("B", "fwd"));
        String table = EndToEndBench.table(List.of(row("fwd", 90), row("train", 300), row("sample", 170)), base);
        String[] lines = table.split("\n");
        assertTrue(lines[0].trim().endsWith("vs base"), lines[0]);
        assertTrue(lines[1].trim().endsWith("0.45x"), lines[1]); // 90 / 200
        assertTrue(lines[2].trim().endsWith("0.50x"), lines[2]); // 300 / 600
        assertTrue(lines[3].trim().endsWith(" -"), lines[3]); // no baseline for sample
        assertTrue(table.contains("vs base: median time over torch's in " + base.file()), table);
        // without a baseline the table is as before: no such column
        assertTrue(!EndToEndBench.table(List.of(row("fwd", 90))).contains("vs base"));
    }

    @Test
    void saysSoWhenTheBaselineHasNothingForTheseRows() throws Exception {
        Baseline base = Baseline.read(file("b.json", TORCH.replace("\"A\"", "\"B\"")));
        String table = EndToEndBench.table(List.of(row("fwd", 90)), base);
        assertTrue(table.contains("has no row for these configs and phases"), table);
    }

    @Test
    void badFilesGiveAClearErrorThatNamesTheFile() throws Exception {
        String[][] cases = {
            {"missing.json", null, "no such file"},
            {"text.json", "median 200 ms", "not JSON"},
            {"object.json", "{\"backend\": \"torch\"}", "expected a JSON list"},
            {"empty.json", "[]", "the list is empty"},
            {"nophase.json", "[{\"backend\": \"torch\", \"config\": \"A\", \"median_ms\": 3}]",
                "entry 0 has no \"phase\" string"},
            {"nomedian.json", "[{\"backend\": \"t\", \"config\": \"A\", \"phase\": \"fwd\"}]",
                "entry 0 has no positive \"median_ms\""},
            {"negative.json", "[{\"backend\": \"t\", \"config\": \"A\", \"phase\": \"fwd\", \"median_ms\": -5}]",
                "entry 0 has no positive \"median_ms\""},
            {"nan.json", "[{\"backend\": \"t\", \"config\": \"A\", \"phase\": \"fwd\", \"median_ms\": null}]",
                "entry 0 has no positive \"median_ms\""},
        };
        for (String[] c : cases) {
            Path f = c[1] == null ? dir.resolve(c[0]) : file(c[0], c[1]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Baseline.read(f), c[0]);
            assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains(c[2]),
                    c[0] + ": " + e.getMessage());
        }
    }
}
