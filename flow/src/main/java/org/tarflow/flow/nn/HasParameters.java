package org.tarflow.flow.nn;

import java.util.Map;
import org.tarflow.tensor.Tensor;

/** A module that owns parameters and lists them under the reference's state_dict names. */
public interface HasParameters {
    /** Adds every parameter as {@code prefix + name} to {@code out}, in the reference's registration order. */
    void collectParameters(String prefix, Map<String, Tensor> out);
}
