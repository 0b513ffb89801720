package dev.crossnet.kernel;

/**
 * The kernel networking state of one network namespace, split by domain noun. Implementations are
 * {@code LinuxKernel} (real) and {@code RecordingKernel} (in-memory, tests).
 *
 * <p>Every verb is idempotent and says so in its name ({@code ensure…}, {@code replace…},
 * {@code …IfPresent}). Writes of many entries go to the kernel as one batch. Failures surface as a
 * {@link dev.crossnet.CrossnetException} whose message names the object and the kernel's error.
 */
public interface Kernel {

    /**
     * Routes crossnet creates carry this protocol number, so that reads can tell them from routes made
     * by anyone else. 152 is unassigned in iproute2's {@code rt_protos} (flannel's routes use the
     * default {@code boot}, 3; bird uses 12, zebra 11, babel 42, bgp 186) and is below 256 as the
     * field is one byte.
     */
    int ROUTE_PROTOCOL = 152;

    Links links();

    Routes routes();

    Neighbours neighbours();

    Fdb fdb();

    Firewall firewall();

    Sysctl sysctl();
}
