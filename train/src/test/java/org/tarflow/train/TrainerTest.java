package org.tarflow.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.cpu.CpuBackend;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.io.Checkpoint;
import org.tarflow.flow.io.SafeTensors;
import org.tarflow.tensor.Backend;
import org.tarflow.train.data.Batches;
import org.tarflow.train.data.BatchesAndFoldersTestAccess;
import org.tarflow.train.data.ImageDataset;

/** The trainer on synthetic data: learning, exact resume, checkpoints that survive a kill. */
class TrainerTest {
    @TempDir
    Path tmp;

    static final ModelConfig MODEL = ModelConfig.of(1, 8, 2, 32, 2, 1, 4, 16);

    static TrainConfig config(long steps, long checkpointEvery) {
        return new TrainConfig("test", MODEL, "synthetic", 16, steps, 3e-3, 5, Batches.Noise.GAUSSIAN, 0.1, 0.1, false, 11,
                0.9, 0.95, 1e-8, 1e-4, 0, 0.9, checkpointEvery, 0, null);
    }

    static ImageDataset data() {
        return BatchesAndFoldersTestAccess.synthetic(400, 8, 5);
    }

    private static List<Double> losses(Path run) throws IOException {
        List<Double> out = new ArrayList<>();
        for (double[] p : Metrics.read(run.resolve(Trainer.METRICS), "loss")) {
            assertEquals(out.size(), (int) p[0], "metrics hold one line per step, in order");
            out.add(p[1]);
        }
        return out;
    }

    @Test
    void shortRunLearns() throws IOException {
        Backend be = new CpuBackend(2, true);
        Path run = tmp.resolve("learn");
        Trainer.Result r = new Trainer(config(60, 20), data(), be, run, m -> { }).run(false, 0);
        assertEquals(60, r.steps());
        List<Double> l = losses(run);
        double first = l.subList(0, 10).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = l.subList(50, 60).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        System.out.printf("  loss: first 10 steps %.4f, last 10 steps %.4f%n", first, last);
        // the synthetic classes are a bright row over faint noise: a flow learns them within tens of steps
        assertTrue(last < first - 0.2, "loss fell only from " + first + " to " + last);
        for (String f : new String[] {Trainer.CHECKPOINT, Trainer.CHECKPOINT_EMA, Trainer.STATE, Trainer.CONFIG,
            Trainer.LOSS_PLOT}) {
            assertTrue(Files.size(run.resolve(f)) > 0, f);
        }
        assertEquals(MODEL, Checkpoint.load(run.resolve(Trainer.CHECKPOINT), be).model().config());
    }

    @Test
    void resumedRunRepeatsTheUninterruptedLossCurveExactly() throws IOException {
        Backend be = new CpuBackend(2, true);
        Path whole = tmp.resolve("whole");
        Path split = tmp.resolve("split");
        new Trainer(config(30, 7), data(), be, whole, m -> { }).run(false, 0);
        // interrupted after step 17: the last checkpoint is at 14, so steps 14..16 are recomputed on resume
        new Trainer(config(30, 7), data(), be, split, m -> { }).run(false, 17);
        assertEquals(17, losses(split).size());
        TrainConfig saved = Trainer.savedConfig(split);
        new Trainer(saved, data(), be, split, m -> { }).run(true, 0);
        List<Double> a = losses(whole);
        List<Double> b = losses(split);
        assertEquals(30, b.size());
        for (int i = 0; i < 30; i++) {
            assertEquals(a.get(i), b.get(i), 0.0, "loss at step " + i);
        }
        SafeTensors.Contents x = SafeTensors.read(whole.resolve(Trainer.CHECKPOINT));
        SafeTensors.Contents y = SafeTensors.read(split.resolve(Trainer.CHECKPOINT));
        for (String name : x.tensors().keySet()) {
            assertTrue(java.util.Arrays.equals(x.tensors().get(name).values(), y.tensors().get(name).values()), name);
        }
    }

    @Test
    void startingOverAnExistingRunIsRefused() throws IOException {
        Backend be = new CpuBackend(1, true);
        Path run = tmp.resolve("twice");
        new Trainer(config(3, 10), data(), be, run, m -> { }).run(false, 0);
        IOException e = assertThrows(IOException.class,
                () -> new Trainer(config(3, 10), data(), be, run, m -> { }).run(false, 0));
        assertTrue(e.getMessage().contains("--resume"), e.getMessage());
        IllegalArgumentException wrongData = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(config(3, 10).withModel(ModelConfig.of(3, 8, 2, 32, 2, 1, 4, 16)), data(), be, run,
                        m -> { }));
        assertTrue(wrongData.getMessage().contains("3x8x8"), wrongData.getMessage());
    }

    /**
     * A training process killed with SIGKILL at arbitrary moments (checkpoints are written after every step, so
     * many kills land inside a write) must leave a checkpoint and a trainer state that load, and a run that resumes.
     */
    @Test
    void killedRunLeavesLoadableCheckpoints() throws Exception {
        Path run = tmp.resolve("killed");
        Backend be = new CpuBackend(1, true);
        long[] delaysMs = {150, 420, 777};
        for (int round = 0; round < delaysMs.length; round++) {
            Process child = new ProcessBuilder(javaBinary(), "--add-modules", "jdk.incubator.vector", "-cp",
                    System.getProperty("java.class.path"), KilledTrainingMain.class.getName(), run.toString(),
                    round == 0 ? "fresh" : "resume")
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("child-" + round + ".log").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(run.resolve(Trainer.STATE)) && System.nanoTime() < deadline && child.isAlive()) {
                Thread.sleep(20);
            }
            Thread.sleep(delaysMs[round]);
            assertTrue(child.isAlive(), "the child should still be training: "
                    + Files.readString(tmp.resolve("child-" + round + ".log")));
            child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            Checkpoint.load(run.resolve(Trainer.CHECKPOINT), be); // throws if corrupt
            SafeTensors.Contents state = SafeTensors.read(run.resolve(Trainer.STATE));
            assertTrue(Long.parseLong(state.metadata().get("step")) > 0);
        }
        long before = Long.parseLong(SafeTensors.read(run.resolve(Trainer.STATE)).metadata().get("step"));
        TrainConfig saved = Trainer.savedConfig(run).withSteps(before + 5);
        Trainer.Result r = new Trainer(saved, data(), be, run, m -> { }).run(true, 0);
        assertEquals(before + 5, r.steps());
        try (var files = Files.list(run)) {
            files.filter(p -> p.toString().endsWith(".tmp")).forEach(p -> {
                try {
                    Files.delete(p); // a kill mid-write may leave a temporary file; it is never read
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
