package io.jkad.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.PeerId;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ServiceLoader lookup by name, against providers registered through a class loader made for each test. */
class RecordStoresTest {

    private static final String ALPHA = TestProviders.Alpha.class.getName();
    private static final String BETA = TestProviders.Beta.class.getName();
    private static final String OTHER_ALPHA = TestProviders.OtherAlpha.class.getName();
    private static final String BROKEN = TestProviders.Broken.class.getName();
    private static final String NAMELESS = TestProviders.Nameless.class.getName();
    private static final String MISSING = "io.jkad.record.NoSuchProviderClass";

    private static final StoreConfig CONFIG = StoreConfig.defaults(PeerId.random(new Random(7)));

    @TempDir
    Path dir;

    /** A class loader whose META-INF/services file registers {@code classes} (loaded from the test class path). */
    private ClassLoader loaderWith(String... classes) throws IOException {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve(RecordStoreProvider.class.getName()),
                "# test registrations\n" + String.join("\n", classes) + "\n", StandardCharsets.UTF_8);
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
    }

    @Test
    void namesAreSortedAndDistinct() throws IOException {
        ClassLoader loader = loaderWith(BETA, ALPHA, ALPHA);
        assertThat(RecordStores.names(loader)).containsExactly("alpha", "beta");
    }

    @Test
    void openFindsTheProviderByNameAndPassesTheConfig() throws IOException {
        ClassLoader loader = loaderWith(ALPHA, BETA);
        RecordStore store = RecordStores.open("beta", CONFIG, loader);
        assertThat(store).isInstanceOf(TestProviders.OpenedStore.class);
        assertThat(((TestProviders.OpenedStore) store).provider).isEqualTo(BETA);
        assertThat(((TestProviders.OpenedStore) store).config).isSameAs(CONFIG);
        assertThat(RecordStores.provider("alpha", loader)).isInstanceOf(TestProviders.Alpha.class);
    }

    @Test
    void unknownJkadBackendNamesTheArtifactToAdd() throws IOException {
        ClassLoader loader = loaderWith(BETA, ALPHA);
        assertThatThrownBy(() -> RecordStores.open("rocksdb", CONFIG, loader))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("No RecordStore named 'rocksdb'; found [alpha, beta]. "
                        + "Add io.jkad:kad-store-rocksdb to the classpath.");
    }

    @Test
    void misspeltNameSuggestsTheNearestAndListsTheBackends() throws IOException {
        ClassLoader loader = loaderWith(ALPHA, BETA);
        assertThatThrownBy(() -> RecordStores.provider("alhpa", loader))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("No RecordStore named 'alhpa'; found [alpha, beta]. Did you mean 'alpha'?")
                .hasMessageContaining("memory, rocksdb, jdbc")
                .hasMessageContaining("io.jkad:kad-store-<name>");
        assertThatThrownBy(() -> RecordStores.provider("zzzzzz", loader))
                .hasMessageNotContaining("Did you mean");
    }

    @Test
    void twoProvidersWithOneNameFailNamingBothClasses() throws IOException {
        ClassLoader loader = loaderWith(ALPHA, BETA, OTHER_ALPHA);
        assertThatThrownBy(() -> RecordStores.open("alpha", CONFIG, loader))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 RecordStore providers are named 'alpha'")
                .hasMessageContaining(ALPHA)
                .hasMessageContaining(OTHER_ALPHA);
        // the other name is still usable
        assertThat(RecordStores.provider("beta", loader)).isInstanceOf(TestProviders.Beta.class);
    }

    @Test
    void providersThatFailToLoadAreReportedWhenTheNameIsMissing() throws IOException {
        ClassLoader loader = loaderWith(BROKEN, ALPHA, MISSING, NAMELESS);
        assertThatThrownBy(() -> RecordStores.open("rocksdb", CONFIG, loader))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("No RecordStore named 'rocksdb'; found [alpha].")
                .hasMessageContaining("3 providers failed to load")
                .hasMessageContaining(BROKEN)
                .hasMessageContaining("librocks.so")
                .hasMessageContaining(MISSING)
                .hasMessageContaining(NAMELESS)
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(3));
    }

    @Test
    void aBrokenProviderDoesNotHideTheHealthyOnes() throws IOException {
        ClassLoader loader = loaderWith(MISSING, BROKEN, ALPHA);
        assertThat(RecordStores.names(loader)).containsExactly("alpha");
        assertThat(RecordStores.provider("alpha", loader)).isInstanceOf(TestProviders.Alpha.class);
    }

    @Test
    void contextClassLoaderIsUsedByDefault() throws IOException {
        ClassLoader loader = loaderWith(ALPHA);
        Thread thread = Thread.currentThread();
        ClassLoader saved = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            assertThat(RecordStores.names()).containsExactly("alpha");
            assertThat(RecordStores.open("alpha", CONFIG)).isInstanceOf(TestProviders.OpenedStore.class);
        } finally {
            thread.setContextClassLoader(saved);
        }
    }

    @Test
    void kadCoreAloneHasNoBackend() {
        assertThat(RecordStores.names()).isEmpty();
        assertThatThrownBy(() -> RecordStores.open("memory", CONFIG))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("No RecordStore named 'memory'; found []. Add io.jkad:kad-store-memory to the classpath.");
    }

    @Test
    void nullArgumentsAreRefused() throws IOException {
        ClassLoader loader = loaderWith(ALPHA);
        assertThatThrownBy(() -> RecordStores.provider(null, loader)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> RecordStores.open("alpha", null, loader)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void editDistanceCountsTranspositionsAsOne() {
        assertThat(RecordStores.editDistance("memory", "memory")).isZero();
        assertThat(RecordStores.editDistance("memroy", "memory")).isEqualTo(1);
        assertThat(RecordStores.editDistance("rockdb", "rocksdb")).isEqualTo(1);
        assertThat(RecordStores.editDistance("", "jdbc")).isEqualTo(4);
    }
}
