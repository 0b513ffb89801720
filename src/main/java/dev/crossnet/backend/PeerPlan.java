package dev.crossnet.backend;

import dev.crossnet.reconcile.KernelState;

import java.util.List;

/**
 * A backend's desired state for a set of peers, with the peers it had to leave out and why.
 *
 * @param skipped one sentence per peer left out, naming the peer (e.g. a host-gw peer that is not
 *                on our L2 subnet); the agent logs them, it does not stop
 */
public record PeerPlan(KernelState desired, List<String> skipped) {

    public PeerPlan {
        skipped = List.copyOf(skipped);
    }
}
