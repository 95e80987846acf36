package org.tarflow.train.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlow;
import org.tarflow.flow.io.Checkpoint;
import org.tarflow.flow.io.Npy;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.Tensor;

/** Reading the command line's inputs with checks that name the file and say what shape was expected. */
final class Io {
    private Io() {
    }

    static TarFlow loadModel(Path checkpoint, Backend be) throws IOException {
        if (!Files.exists(checkpoint)) {
            throw new IOException("checkpoint not found: " + checkpoint
                    + " (train one with `./tarflow train --out RUN_DIR`; it writes RUN_DIR/checkpoint.safetensors)");
        }
        return Checkpoint.load(checkpoint, be).model();
    }

    /** Images [B, C, H, W] for this model from a .npy file. */
    static Npy.Array images(Path file, ModelConfig cfg) throws IOException {
        Npy.Array a = Npy.read(file);
        int[] want = {cfg.inChannels(), cfg.imgSize(), cfg.imgSize()};
        int[] s = a.shape();
        if (s.length != 4 || !Arrays.equals(Arrays.copyOfRange(s, 1, 4), want)) {
            throw new IllegalArgumentException(file + ": shape " + Arrays.toString(s) + ", the model takes [batch, "
                    + want[0] + ", " + want[1] + ", " + want[2] + "] images in [-1, 1]");
        }
        checkFinite(file, a.asFloats());
        return a;
    }

    /** Labels [B] for a conditional model (or null when no file is given). */
    static int[] labels(Path file, ModelConfig cfg, int batch) throws IOException {
        if (file == null) {
            return null;
        }
        if (!cfg.conditional()) {
            throw new IllegalArgumentException("--labels given, but the model is unconditional (num_classes = 0)");
        }
        Npy.Array a = Npy.read(file);
        if (a.shape().length != 1 || a.shape()[0] != batch) {
            throw new IllegalArgumentException(file + ": shape " + Arrays.toString(a.shape()) + ", expected [" + batch
                    + "] labels");
        }
        int[] y = a.asInts();
        for (int v : y) {
            if (v < -1 || v >= cfg.numClasses()) {
                throw new IllegalArgumentException(file + ": label " + v + " is outside 0.." + (cfg.numClasses() - 1)
                        + " (or -1 for the unconditional branch)");
            }
        }
        return y;
    }

    static void checkFinite(Path file, float[] v) {
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new IllegalArgumentException(file + ": value " + v[i] + " at index " + i + " is not finite");
            }
        }
    }

    static Tensor slice(Backend be, float[] all, int[] shape, int from, int to) {
        int per = all.length / Math.max(1, shape[0]);
        int[] s = shape.clone();
        s[0] = to - from;
        return Tensor.of(be, Arrays.copyOfRange(all, from * per, to * per), s);
    }

    static int[] slice(int[] labels, int from, int to) {
        return labels == null ? null : Arrays.copyOfRange(labels, from, to);
    }

    static Path outDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        return dir;
    }
}
