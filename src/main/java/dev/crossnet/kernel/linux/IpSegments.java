package dev.crossnet.kernel.linux;

import dev.crossnet.CrossnetException;
import dev.crossnet.kernel.Link;
import dev.crossnet.kernel.SegmentSpec;
import dev.crossnet.kernel.Segments;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link Segments} with {@code ip -batch -}. Thread-safe. */
final class IpSegments implements Segments {

    private final Commands commands;
    private final IpLinks links;

    IpSegments(Commands commands, IpLinks links) {
        this.commands = commands;
        this.links = links;
    }

    @Override
    public void ensureSegment(SegmentSpec spec) {
        List<String> lines = new ArrayList<>();
        Optional<Link> bridge = links.find(spec.bridge());
        if (bridge.isEmpty()) {
            lines.add("link add " + spec.bridge() + " mtu " + spec.mtu() + " type bridge");
        } else if (!bridge.get().kind().equals("bridge")) {
            throw new CrossnetException("device " + spec.bridge() + " already exists and is a "
                    + (bridge.get().kind().isEmpty() ? "plain device" : bridge.get().kind()) + ", not a bridge; delete it (ip link del "
                    + spec.bridge() + ")");
        }
        Optional<Link> vxlan = links.find(spec.vxlan());
        if (vxlan.isEmpty()) {
            lines.add("link add " + spec.vxlan() + " mtu " + spec.mtu() + " type vxlan id " + spec.vni()
                    + " dstport " + spec.port() + " local " + spec.localIp().toCanonicalString()
                    + " dev " + spec.underlayDev() + " nolearning proxy");
        } else {
            List<String> d = spec.asVxlan().differencesFrom(vxlan.get());
            if (!d.isEmpty()) {
                throw new CrossnetException("device " + spec.vxlan() + " already exists with incompatible settings: "
                        + String.join(", ", d) + "; delete it (ip link del " + spec.vxlan() + ")");
            }
        }
        // Enslave before up, so the vxlan port never forwards outside the bridge.
        lines.add("link set " + spec.vxlan() + " master " + spec.bridge());
        lines.add("link set " + spec.vxlan() + " up");
        lines.add("link set " + spec.bridge() + " up");
        Batch.applySteps(commands, "ip", "set up segment " + spec.bridge() + "/" + spec.vxlan(), lines);
        links.ensureOnlyAddress(spec.bridge(), spec.gateway());
    }

    @Override
    public void deleteSegmentIfPresent(SegmentSpec spec) {
        Batch.applyDeletes(commands, "ip", "delete segment " + spec.bridge(),
                List.of("link del " + spec.vxlan(), "link del " + spec.bridge()));
    }

    @Override
    public void ensureVeth(String hostSide, String peer, String peerMac, int mtu, String bridge) {
        List<String> lines = new ArrayList<>();
        if (links.find(hostSide).isEmpty()) {
            lines.add("link add " + hostSide + " mtu " + mtu + " type veth peer name " + peer
                    + " address " + peerMac + " mtu " + mtu);
        }
        lines.add("link set " + hostSide + " master " + bridge + " up");
        Batch.applySteps(commands, "ip", "set up veth " + hostSide, lines);
    }

    @Override
    public void ensurePort(String dev, int mtu, String bridge) {
        Batch.applySteps(commands, "ip", "put " + dev + " on " + bridge,
                List.of("link set " + dev + " mtu " + mtu + " master " + bridge + " up"));
    }
}
