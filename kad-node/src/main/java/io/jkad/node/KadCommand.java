package io.jkad.node;

import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code kad} command line: the entry point of the shaded jar. */
@Command(name = "kad", mixinStandardHelpOptions = true, versionProvider = KadCommand.Version.class,
        description = "jkad: a Kademlia DHT for the JVM, wire-compatible with libp2p.",
        subcommands = {RunCommand.class, ClientCommands.Put.class, ClientCommands.Get.class, ClientCommands.Provide.class,
                ClientCommands.Providers.class, ClientCommands.Peer.class, ClientCommands.RoutingTable.class,
                ClientCommands.Status.class, DevnetCommand.class, SimCommand.class, CommandLine.HelpCommand.class})
public final class KadCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        FatalErrorHandler.install();
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new KadCommand()).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * Checks a {@code --log-level} value.
     *
     * @throws CommandLine.ParameterException unless it is trace, debug, info, warn, error or off
     */
    static void checkLogLevel(CommandLine.Model.CommandSpec spec, String logLevel) {
        if (!List.of("trace", "debug", "info", "warn", "error", "off")
                .contains(logLevel.toLowerCase(Locale.ROOT))) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--log-level must be trace, debug, info, warn, error or off: " + logLevel);
        }
    }

    /** The jar's version ("dev" when run from classes). */
    static String version() {
        String v = KadCommand.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"jkad " + version()};
        }
    }
}
