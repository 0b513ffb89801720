package dev.crossnet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code crossnet version}. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Print the crossnet version.")
final class VersionCommand implements Runnable {

    static String version() {
        String v = VersionCommand.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public void run() {
        System.out.println("crossnet " + version());
    }

    static final class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"crossnet " + version()};
        }
    }
}
