package io.jkad.store.rocksdb;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.OptionalBinder;
import io.jkad.record.RecordStoreProvider;

/**
 * Selects the {@code rocksdb} record store for a node embedded with Guice
 * ({@code io.jkad.inject.KademliaModule}): binds {@link RecordStoreProvider} to {@link RocksDbStoreProvider}.
 * The store is opened by {@code KademliaService.start()} with the node configuration's
 * {@code StoreConfig} (data directory, limits, options), and closed by {@code stop()}.
 *
 * <p>Install at most one store module: two are a Guice configuration error. Without one, the
 * backend is chosen by the name in the node configuration, through {@link java.util.ServiceLoader}.
 * Guice is an optional dependency of this artifact: only this class needs it.
 */
public final class RocksDbStoreModule extends AbstractModule {

    @Override
    protected void configure() {
        OptionalBinder.newOptionalBinder(binder(), RecordStoreProvider.class).setBinding().to(RocksDbStoreProvider.class);
    }
}
