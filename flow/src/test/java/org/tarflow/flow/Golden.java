package org.tarflow.flow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.tarflow.flow.io.Npy;
import org.tarflow.flow.io.SafeTensors;

/** The golden fixtures of the reference PyTorch TarFlow, copied into test resources from ../shared/golden. */
final class Golden {
    private Golden() {
    }

    static Path dir(String variant) {
        URL url = Golden.class.getResource("/golden/mnist_p4/" + variant + "/model.safetensors");
        if (url == null) {
            throw new IllegalStateException("golden fixtures missing from test resources: golden/mnist_p4/" + variant);
        }
        try {
            return Paths.get(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Npy.Array npy(String variant, String name) {
        try {
            return Npy.read(dir(variant).resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SafeTensors.Contents safetensors(String variant, String name) {
        try {
            return SafeTensors.read(dir(variant).resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
