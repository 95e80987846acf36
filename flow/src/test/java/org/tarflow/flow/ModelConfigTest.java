package org.tarflow.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelConfigTest {
    @Test
    void readsTheReferenceJsonAndWritesItBack() {
        String json = "{\"in_channels\": 1, \"img_size\": 28, \"patch_size\": 4, \"channels\": 128, \"num_blocks\": 4,"
                + " \"layers_per_block\": 2, \"num_classes\": 10, \"nvp\": true}";
        ModelConfig c = ModelConfig.fromJson(json);
        assertEquals(49, c.numPatches());
        assertEquals(16, c.tokenDim());
        assertEquals(2, c.heads());
        assertTrue(c.referenceCompatible());
        assertEquals(c, ModelConfig.fromJson(c.toJson()));
        assertFalse(c.toJson().contains("head_dim"), "reference-compatible configs carry only the reference's keys");
    }

    @Test
    void extensionsAreStoredAndDefaultsApplied() {
        ModelConfig c = ModelConfig.of(3, 32, 4, 96, 2, 1, 0, 32);
        assertTrue(c.toJson().contains("\"head_dim\":32"), c.toJson());
        assertFalse(c.referenceCompatible());
        assertEquals(c, ModelConfig.fromJson(c.toJson()));
        ModelConfig noNvp = ModelConfig.fromJson("{\"in_channels\": 1, \"img_size\": 8, \"patch_size\": 2,"
                + " \"channels\": 64, \"num_blocks\": 1, \"layers_per_block\": 1}");
        assertTrue(noNvp.nvp(), "nvp defaults to true as in the reference");
        assertEquals(0, noNvp.numClasses());
    }

    @Test
    void invalidConfigsSayWhy() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.of(1, 28, 3, 128, 4, 2, 0));
        assertTrue(e.getMessage().contains("multiple of patch_size"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.of(1, 28, 4, 100, 4, 2, 0));
        assertTrue(e.getMessage().contains("head_dim"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson("{\"in_channels\": 1"));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.fromJson("[1, 2]"));
        assertTrue(e.getMessage().contains("JSON object"), e.getMessage());
    }
}
