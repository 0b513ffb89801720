package dev.crossnet.kernel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Segments} in memory, recording each call that changes something; for unit tests. The
 * bridge and the veths are links of the {@link RecordingKernel} too, and each veth remembers its
 * bridge, so that deleting a bridge by hand ({@link #deleteBridgeByHand}) frees its ports as the
 * kernel does. Not thread-safe.
 */
public final class RecordingSegments implements Segments {
    public final List<String> calls = new ArrayList<>();
    public final Map<String, SegmentSpec> segments = new LinkedHashMap<>();
    /** The bridge each veth's host side is on, by veth. */
    public final Map<String, String> masters = new LinkedHashMap<>();
    private final RecordingKernel kernel;

    /** @param kernel holds the veths as links, so that {@code links().deleteIfPresent} removes them */
    public RecordingSegments(RecordingKernel kernel) {
        this.kernel = kernel;
    }

    @Override
    public void ensureSegment(SegmentSpec spec) {
        if (!spec.equals(segments.get(spec.bridge())) || !kernel.links.containsKey(spec.bridge())) {
            calls.add("createSegment " + spec.bridge() + " " + spec.vxlan() + " vni " + spec.vni() + " gw " + spec.gateway());
            segments.put(spec.bridge(), spec);
            kernel.addLink(new Link(spec.bridge(), kernel.links.size() + 100, "bridge", "02:00:00:00:00:02", spec.mtu(), true,
                    null, List.of(spec.gateway())));
        }
    }

    @Override
    public void deleteSegmentIfPresent(SegmentSpec spec) {
        if (segments.remove(spec.bridge()) != null) {
            calls.add("deleteSegment " + spec.bridge());
        }
        kernel.links.remove(spec.bridge());
        masters.values().removeIf(spec.bridge()::equals);
    }

    @Override
    public void ensureVeth(String hostSide, String peer, String peerMac, int mtu, String bridge) {
        if (!kernel.links.containsKey(hostSide)) {
            calls.add("createVeth " + hostSide + " " + peer + " " + peerMac + " on " + bridge);
            kernel.addLink(new Link(hostSide, kernel.links.size() + 100, "veth", "02:00:00:00:00:01", mtu, true, null, List.of()));
        } else if (!bridge.equals(masters.get(hostSide))) {
            calls.add("attachVeth " + hostSide + " to " + bridge);
        }
        masters.put(hostSide, bridge);
    }

    @Override
    public void ensurePort(String dev, int mtu, String bridge) {
        if (!bridge.equals(masters.get(dev))) {
            calls.add("attachPort " + dev + " to " + bridge);
        }
        masters.put(dev, bridge);
    }

    /** As {@code ip link del BRIDGE} by someone else: the bridge goes, its ports stay, on no bridge. */
    public void deleteBridgeByHand(String bridge) {
        kernel.links.remove(bridge);
        masters.values().removeIf(bridge::equals);
    }
}
