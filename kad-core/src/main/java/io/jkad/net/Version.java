package io.jkad.net;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** jkad's version, from the jar's Maven metadata ({@code dev} when run from classes). */
final class Version {

    private static final String VERSION = load();

    private Version() {}

    static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/META-INF/maven/io.jkad/kad-core/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank()) {
                    return v.trim();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        String v = Version.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }
}
