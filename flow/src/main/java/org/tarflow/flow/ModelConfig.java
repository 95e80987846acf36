package org.tarflow.flow;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A TarFlow architecture, named as the reference's {@code Model(...)} arguments so that the JSON in a checkpoint's
 * {@code __metadata__.config} reads the same in both: {@code in_channels, img_size, patch_size, channels, num_blocks,
 * layers_per_block, num_classes, nvp}. {@code head_dim} (64 in the reference) and {@code expansion} (4) are
 * extensions, written only when they differ from the reference's fixed values.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelConfig(
        @JsonProperty("in_channels") int inChannels,
        @JsonProperty("img_size") int imgSize,
        @JsonProperty("patch_size") int patchSize,
        @JsonProperty("channels") int channels,
        @JsonProperty("num_blocks") int numBlocks,
        @JsonProperty("layers_per_block") int layersPerBlock,
        @JsonProperty("num_classes") int numClasses,
        @JsonProperty("nvp") boolean nvp,
        @JsonProperty("head_dim") Integer headDimOrNull,
        @JsonProperty("expansion") Integer expansionOrNull) {

    public static final int REFERENCE_HEAD_DIM = 64;
    public static final int REFERENCE_EXPANSION = 4;
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public ModelConfig {
        check(inChannels >= 1, "in_channels must be >= 1, got " + inChannels);
        check(patchSize >= 1, "patch_size must be >= 1, got " + patchSize);
        check(imgSize >= patchSize && imgSize % patchSize == 0,
                "img_size " + imgSize + " must be a positive multiple of patch_size " + patchSize);
        check(channels >= 1, "channels must be >= 1, got " + channels);
        check(numBlocks >= 1, "num_blocks must be >= 1, got " + numBlocks);
        check(layersPerBlock >= 1, "layers_per_block must be >= 1, got " + layersPerBlock);
        check(numClasses >= 0, "num_classes must be >= 0, got " + numClasses);
        int hd = headDimOrNull == null ? REFERENCE_HEAD_DIM : headDimOrNull;
        check(hd >= 1 && channels % hd == 0, "channels " + channels + " must be a multiple of head_dim " + hd
                + " (the reference fixes head_dim = 64)");
        check(expansionOrNull == null || expansionOrNull >= 1, "expansion must be >= 1");
        if (headDimOrNull != null && headDimOrNull == REFERENCE_HEAD_DIM) {
            headDimOrNull = null;
        }
        if (expansionOrNull != null && expansionOrNull == REFERENCE_EXPANSION) {
            expansionOrNull = null;
        }
    }

    /** A configuration with the reference's fixed head size (64) and MLP expansion (4). */
    public static ModelConfig of(int inChannels, int imgSize, int patchSize, int channels, int numBlocks,
                                 int layersPerBlock, int numClasses) {
        return new ModelConfig(inChannels, imgSize, patchSize, channels, numBlocks, layersPerBlock, numClasses, true,
                null, null);
    }

    /** A configuration with another head size (an extension: the reference fixes 64). */
    public static ModelConfig of(int inChannels, int imgSize, int patchSize, int channels, int numBlocks,
                                 int layersPerBlock, int numClasses, int headDim) {
        return new ModelConfig(inChannels, imgSize, patchSize, channels, numBlocks, layersPerBlock, numClasses, true,
                headDim, null);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("model config: " + message);
        }
    }

    public ModelConfig withHeadDim(int headDim) {
        return new ModelConfig(inChannels, imgSize, patchSize, channels, numBlocks, layersPerBlock, numClasses, nvp,
                headDim, expansionOrNull);
    }

    public ModelConfig withNvp(boolean value) {
        return new ModelConfig(inChannels, imgSize, patchSize, channels, numBlocks, layersPerBlock, numClasses, value,
                headDimOrNull, expansionOrNull);
    }

    @JsonIgnore
    public int headDim() {
        return headDimOrNull == null ? REFERENCE_HEAD_DIM : headDimOrNull;
    }

    @JsonIgnore
    public int expansion() {
        return expansionOrNull == null ? REFERENCE_EXPANSION : expansionOrNull;
    }

    @JsonIgnore
    public int heads() {
        return channels / headDim();
    }

    /** Tokens per image, N = (H/P)·(W/P). */
    @JsonIgnore
    public int numPatches() {
        int side = imgSize / patchSize;
        return side * side;
    }

    /** Values per token, D = C·P·P. */
    @JsonIgnore
    public int tokenDim() {
        return inChannels * patchSize * patchSize;
    }

    /** Dimensions of one image, C·H·W = N·D. */
    @JsonIgnore
    public int dataDim() {
        return inChannels * imgSize * imgSize;
    }

    @JsonIgnore
    public boolean conditional() {
        return numClasses > 0;
    }

    /** Whether the reference implementation can express this config (it fixes head_dim 64 and expansion 4). */
    @JsonIgnore
    public boolean referenceCompatible() {
        return headDimOrNull == null && expansionOrNull == null;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses the reference's config JSON; unknown keys are ignored, missing required ones are an error. */
    public static ModelConfig fromJson(String json) {
        try {
            com.fasterxml.jackson.databind.JsonNode node = JSON.readTree(json);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("model config: expected a JSON object, got: " + json);
            }
            for (String key : new String[] {"in_channels", "img_size", "patch_size", "channels", "num_blocks",
                "layers_per_block"}) {
                if (!node.hasNonNull(key)) {
                    throw new IllegalArgumentException("model config: missing '" + key + "' in " + json);
                }
            }
            ModelConfig c = JSON.treeToValue(node, ModelConfig.class);
            if (!node.has("nvp")) {
                c = c.withNvp(true); // the reference's default
            }
            return c;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("model config: not valid JSON (" + e.getOriginalMessage() + "): " + json, e);
        }
    }
}
