package org.tarflow.flow;

import java.io.IOException;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.tarflow.cpu.CpuBackend;
import org.tarflow.flow.io.Checkpoint;
import org.tarflow.flow.io.Npy;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.GradMode;
import org.tarflow.tensor.MemoryScope;
import org.tarflow.tensor.Tensor;

/**
 * The reference's per-sub-module intermediates of flow block 0 (float32 hooks), compared one by one with the max
 * difference printed (llm.c style): the first place to look when a golden end-to-end check fails. Tolerance 1e-5
 * relative to each tensor's magnitude, as both sides are float32.
 */
class Block0LayerByLayerTest {
    private static final Backend CPU = new CpuBackend(2, true);

    private static void check(String variant, String name, Tensor got) {
        Npy.Array want = Golden.npy(variant, "block0/" + name + ".npy");
        GoldenChecks.assertClose(variant + " block0 " + name, got.toDoubleArray(), want.asDoubles(), 1e-5, true);
    }

    @Test
    void everySubModuleOfBlockZero() throws IOException {
        for (String v : new String[] {"uncond", "cond"}) {
            TarFlow m = Checkpoint.load(Golden.dir(v).resolve("model.safetensors"), CPU).model();
            MetaBlock b = m.blocks[0];
            try (MemoryScope s = MemoryScope.open(); GradMode.Off off = GradMode.off()) {
                Npy.Array xa = Golden.npy(v, "x.npy");
                Tensor x = Tensor.of(CPU, xa.asFloats(), xa.shape());
                Tensor patches = m.patchify(x);
                check(v, "patches", patches);
                Tensor h = b.projIn.forward(patches);
                check(v, "proj_in.out", h);
                h = h.add(b.posEmbed);
                Tensor cls = b.classRows(v.equals("cond") ? Golden.npy(v, "y.npy").asInts() : null, 8);
                if (cls != null) {
                    h = h.add(cls);
                }
                for (int l = 0; l < b.layers.length; l++) {
                    AttentionBlock layer = b.layers[l];
                    String p = "attn_blocks." + l;
                    check(v, p + ".in", h);
                    Tensor normed = layer.attnNorm.forward(h);
                    check(v, p + ".attention.qkv.in", normed);
                    check(v, p + ".attention.qkv.out", layer.qkv.forward(normed));
                    Tensor att = layer.attentionUpdate(h);
                    check(v, p + ".attention.out", att);
                    h = h.add(att);
                    check(v, p + ".mlp.in", h);
                    Tensor mlp = layer.mlp(h);
                    check(v, p + ".mlp.out", mlp);
                    h = h.add(mlp);
                    check(v, p + ".out", h);
                }
                check(v, "proj_out.in", h);
                check(v, "proj_out.out", b.projOut.forward(h));
            }
        }
        System.out.println(String.format(Locale.ROOT, "  block 0 matches layer by layer"));
    }
}
