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
public final class Golden {
    private Golden() {
    }

    private static final java.util.Map<String, Path> EXTRACTED = new java.util.HashMap<>();

    /**
     * The folder of one variant's fixtures: in place when the test resources are files, or extracted once into a
     * temporary folder when they come from the flow test-jar (as in other modules' tests).
     */
    public static synchronized Path dir(String variant) {
        URL url = Golden.class.getResource("/golden/mnist_p4/" + variant + "/model.safetensors");
        if (url == null) {
            throw new IllegalStateException("golden fixtures missing from test resources: golden/mnist_p4/" + variant);
        }
        try {
            if (url.getProtocol().equals("file")) {
                return Paths.get(url.toURI()).getParent();
            }
            Path done = EXTRACTED.get(variant);
            if (done != null) {
                return done;
            }
            String jar = url.toString().substring(0, url.toString().indexOf("!/"));
            Path target = java.nio.file.Files.createTempDirectory("tarflow-golden-" + variant);
            target.toFile().deleteOnExit();
            try (java.nio.file.FileSystem fs = java.nio.file.FileSystems.newFileSystem(java.net.URI.create(jar),
                    java.util.Map.of())) {
                Path src = fs.getPath("/golden/mnist_p4/" + variant);
                try (var walk = java.nio.file.Files.walk(src)) {
                    for (Path p : (Iterable<Path>) walk::iterator) {
                        Path dst = target.resolve(src.relativize(p).toString());
                        if (java.nio.file.Files.isDirectory(p)) {
                            java.nio.file.Files.createDirectories(dst);
                        } else {
                            java.nio.file.Files.copy(p, dst);
                            dst.toFile().deleteOnExit();
                        }
                    }
                }
            }
            EXTRACTED.put(variant, target);
            return target;
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot read the golden fixtures: " + e, e);
        }
    }

    public static Npy.Array npy(String variant, String name) {
        try {
            return Npy.read(dir(variant).resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static SafeTensors.Contents safetensors(String variant, String name) {
        try {
            return SafeTensors.read(dir(variant).resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
