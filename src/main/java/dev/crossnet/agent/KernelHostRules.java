package dev.crossnet.agent;

import dev.crossnet.kernel.Chain;
import dev.crossnet.kernel.Kernel;
import dev.crossnet.model.NetworkConfig;
import dev.crossnet.model.Subnet;
import java.util.List;

/** {@link HostRules} through the kernel's sysctl and firewall verbs. */
public final class KernelHostRules implements HostRules {
    private final Kernel kernel;

    public KernelHostRules(Kernel kernel) {
        this.kernel = kernel;
    }

    @Override
    public void ensure(NetworkConfig config, Subnet own, boolean ipMasq) {
        kernel.sysctl().ensureIpForwarding();
        kernel.firewall().ensureForwardRules(config.network());
        if (ipMasq) {
            kernel.firewall().ensureMasqueradeRules(config.network(), own);
        } else {
            // Turning --ip-masq off must not leave the old rules behind.
            kernel.firewall().replaceChain(Chain.POSTROUTING, List.of());
        }
    }
}
