package org.tarflow.train;

import java.nio.file.Path;
import org.tarflow.cpu.CpuBackend;

/** The child process of {@link TrainerTest#killedRunLeavesLoadableCheckpoints}: trains until it is killed. */
public final class KilledTrainingMain {
    private KilledTrainingMain() {
    }

    public static void main(String[] args) throws Exception {
        Path run = Path.of(args[0]);
        boolean resume = args[1].equals("resume");
        TrainConfig cfg = resume ? Trainer.savedConfig(run) : TrainerTest.config(1_000_000, 1);
        new Trainer(cfg, TrainerTest.data(), new CpuBackend(1, true), run, m -> { }).run(resume, 0);
    }
}
