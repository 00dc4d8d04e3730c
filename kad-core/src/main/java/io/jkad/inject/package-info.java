/**
 * Embedding a jkad node with Guice: {@link io.jkad.inject.KademliaModule} binds the configuration,
 * the clock, the identity, the store backend and the node with defaults an embedder overrides
 * through {@link com.google.inject.multibindings.OptionalBinder#setBinding()};
 * {@link io.jkad.inject.KademliaService} opens the store and the ports at {@code start()} and
 * closes them at {@code stop()}. Guice is an optional dependency of kad-core: only this package
 * needs it.
 *
 * <pre>{@code
 * Injector injector = Guice.createInjector(new KademliaModule(), new RocksDbStoreModule(), binder ->
 *         OptionalBinder.newOptionalBinder(binder, KademliaNodeConfig.class).setBinding().toInstance(config));
 * KademliaService service = injector.getInstance(KademliaService.class);
 * KademliaNode node = service.start();
 * ...
 * service.stop();
 * }</pre>
 */
package io.jkad.inject;
