package org.tarflow.flow.nn;

import java.util.Map;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.Tensor;

/** {@code torch.nn.LayerNorm} over the last axis, eps 1e-5, affine, starting at weight 1 and bias 0. */
public final class LayerNorm implements HasParameters {
    public static final double EPS = 1e-5;
    public final Tensor weight;
    public final Tensor bias;

    public LayerNorm(Backend be, int channels) {
        this.weight = Init.constant(be, 1f, channels);
        this.bias = Init.constant(be, 0f, channels);
    }

    public Tensor forward(Tensor x) {
        return x.layerNorm(weight, bias, EPS);
    }

    @Override
    public void collectParameters(String prefix, Map<String, Tensor> out) {
        out.put(prefix + "weight", weight);
        out.put(prefix + "bias", bias);
    }
}
