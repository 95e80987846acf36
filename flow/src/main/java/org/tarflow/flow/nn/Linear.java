package org.tarflow.flow.nn;

import java.util.Map;
import java.util.Random;
import org.tarflow.tensor.Backend;
import org.tarflow.tensor.Tensor;

/** {@code torch.nn.Linear}: y = x·Wᵀ + b with W [out, in]. */
public final class Linear implements HasParameters {
    public final Tensor weight;
    public final Tensor bias;

    public Linear(Backend be, int in, int out, Random rng) {
        double bound = 1.0 / Math.sqrt(in);
        this.weight = Init.uniform(be, rng, bound, out, in);
        this.bias = Init.uniform(be, rng, bound, out);
    }

    public int in() {
        return weight.dim(1);
    }

    public int out() {
        return weight.dim(0);
    }

    public Tensor forward(Tensor x) {
        return Tensor.linear(x, weight, bias);
    }

    @Override
    public void collectParameters(String prefix, Map<String, Tensor> out) {
        out.put(prefix + "weight", weight);
        out.put(prefix + "bias", bias);
    }
}
