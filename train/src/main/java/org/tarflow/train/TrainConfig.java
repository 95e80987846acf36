package org.tarflow.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.tarflow.flow.ModelConfig;
import org.tarflow.train.data.Batches;
import org.tarflow.train.optim.AdamW;

/**
 * Everything that defines a training run, saved as {@code train-config.json} in the run folder so that
 * {@code --resume} continues the same run. {@code steps} is the schedule's length; with {@code maxMinutes} set it is
 * fixed after the first steps from the measured speed (and then saved).
 */
public record TrainConfig(
        @JsonProperty("preset") String preset,
        @JsonProperty("model") ModelConfig model,
        @JsonProperty("data") String data,
        @JsonProperty("batch") int batch,
        @JsonProperty("steps") long steps,
        @JsonProperty("lr") double lr,
        @JsonProperty("warmup_steps") long warmupSteps,
        @JsonProperty("noise") Batches.Noise noise,
        @JsonProperty("noise_std") double noiseStd,
        @JsonProperty("label_dropout") double labelDropout,
        @JsonProperty("hflip") boolean hflip,
        @JsonProperty("seed") long seed,
        @JsonProperty("adam_beta1") double beta1,
        @JsonProperty("adam_beta2") double beta2,
        @JsonProperty("adam_eps") double eps,
        @JsonProperty("weight_decay") double weightDecay,
        @JsonProperty("clip_grad_norm") double clipNorm,
        @JsonProperty("ema_decay") double emaDecay,
        @JsonProperty("checkpoint_every") long checkpointEvery,
        @JsonProperty("sample_every") long sampleEvery,
        @JsonProperty("max_minutes") Double maxMinutes) {

    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public TrainConfig {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
        if (checkpointEvery < 1 || sampleEvery < 0) {
            throw new IllegalArgumentException("checkpoint_every must be >= 1 and sample_every >= 0");
        }
        if (maxMinutes != null && !(maxMinutes > 0)) {
            throw new IllegalArgumentException("max_minutes must be positive, got " + maxMinutes);
        }
        if (noise == Batches.Noise.NONE) {
            throw new IllegalArgumentException("training needs Gaussian noise or dequantisation");
        }
    }

    public AdamW.Settings adam() {
        return new AdamW.Settings(beta1, beta2, eps, weightDecay, clipNorm, emaDecay);
    }

    public TrainConfig withSteps(long newSteps) {
        return new TrainConfig(preset, model, data, batch, newSteps, lr, warmupSteps, noise, noiseStd, labelDropout,
                hflip, seed, beta1, beta2, eps, weightDecay, clipNorm, emaDecay, checkpointEvery, sampleEvery,
                maxMinutes);
    }

    public TrainConfig withModel(ModelConfig m) {
        return new TrainConfig(preset, m, data, batch, steps, lr, warmupSteps, noise, noiseStd, labelDropout, hflip,
                seed, beta1, beta2, eps, weightDecay, clipNorm, emaDecay, checkpointEvery, sampleEvery, maxMinutes);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static TrainConfig fromJson(String json) {
        try {
            return JSON.readValue(json, TrainConfig.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("train config: " + e.getOriginalMessage(), e);
        }
    }
}
