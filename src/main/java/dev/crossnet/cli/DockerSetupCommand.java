package dev.crossnet.cli;

import dev.crossnet.CrossnetException;
import dev.crossnet.agent.Underlay;
import dev.crossnet.host.DockerDaemonConfig;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code crossnet docker-setup}: dockerd's daemon.json gets crossnet's DNS and authz plugin. */
@Command(name = "docker-setup", mixinStandardHelpOptions = true,
        description = {"Merge crossnet's settings into dockerd's daemon.json: \"dns\" (this host's address first, where the "
                + "agent answers container names) and \"authorization-plugins\" (crossnet-authz). Every other key is kept, "
                + "the old file is backed up beside it, and running it again changes nothing. Says whether dockerd must "
                + "be restarted."})
final class DockerSetupCommand implements Callable<Integer> {

    @Option(names = "--advertise-addr", paramLabel = "IP",
            description = "This host's underlay address, where the agent answers DNS (default: the default route interface's).")
    String advertiseAddr;

    @Option(names = "--daemon-json", paramLabel = "FILE", defaultValue = "/etc/docker/daemon.json",
            description = "dockerd's config file (default: ${DEFAULT-VALUE}).")
    Path daemonJson;

    @Option(names = "--resolv-conf", paramLabel = "FILE", split = ",",
            defaultValue = "/etc/resolv.conf,/run/systemd/resolve/resolv.conf",
            description = "Where the host's own resolvers are read from when daemon.json has no \"dns\" yet, first file "
                    + "with a non-loopback nameserver wins (default: ${DEFAULT-VALUE}).")
    List<Path> resolvConfs;

    @Override
    public Integer call() {
        String address = address();
        List<String> upstream = DockerDaemonConfig.upstreamResolvers(resolvConfs);
        DockerDaemonConfig.Outcome o = new DockerDaemonConfig(daemonJson, Clock.systemUTC()).apply(address, upstream);
        report(o, address, resolvConfs, System.out);
        return 0;
    }

    /** Prints what {@code o} changed and whether dockerd must be restarted or reloaded; also used by init and join. */
    static void report(DockerDaemonConfig.Outcome o, String address, List<Path> resolvConfs, PrintStream out) {
        String settings = "dns " + o.dns() + ", authorization-plugins includes " + DockerDaemonConfig.AUTHZ_PLUGIN;
        if (!o.changed()) {
            out.println(o.file() + " is already set up for crossnet (" + settings + "); dockerd needs no restart.");
            return;
        }
        out.println("updated " + o.file() + " (" + settings + ")"
                + (o.backup() == null ? "" : "; the previous file is in " + o.backup()));
        if (o.dnsChanged() && o.dns().size() == 1) {
            out.println("note: no upstream resolver was found in " + resolvConfs + ": containers will resolve only "
                    + "crossnet names; add your resolvers after " + address + " in \"dns\".");
        }
        out.println("The authz plugin must run before dockerd starts: systemctl enable --now crossnet-authz");
        if (o.restartNeeded()) {
            out.println("dockerd must be restarted to use it: systemctl restart docker");
        } else {
            out.println("dockerd must reload it (no restart needed): systemctl reload docker");
        }
    }

    private String address() {
        if (advertiseAddr == null) {
            return Underlay.resolve(null, null, null).publicIp().toCanonicalString();
        }
        IPAddress a = new IPAddressString(advertiseAddr).getAddress();
        if (a == null || a.isPrefixed()) {
            throw new CrossnetException("--advertise-addr: \"" + advertiseAddr + "\" is not an IP address");
        }
        if (a.isLoopback() || a.isAnyLocal() || a.isMulticast()) {
            throw new CrossnetException("--advertise-addr: " + advertiseAddr
                    + " cannot be reached from containers; give this host's underlay address");
        }
        return a.toCanonicalString();
    }
}
