/**
 * Docker integration: the {@code crossnet} network driver ({@link dev.crossnet.docker.NetworkDriver},
 * data plane in {@link dev.crossnet.docker.Datapath}), the IPAM driver ({@link dev.crossnet.docker.IpamHandler}
 * onto {@link dev.crossnet.ipam.Ipam}), the authorization guard of {@code docker network rm}, and
 * {@link dev.crossnet.docker.EngineSync}, which makes every network appear in every host's dockerd.
 * Wire records are in {@code docker.api}, the socket in {@code docker.plugin}, the Engine API client
 * in {@code docker.engine}, the lab's daemons in {@code docker.lab}. Nothing here starts threads:
 * the agent does ({@code agent.DockerPlugins}).
 *
 * <h2>Store schema</h2>
 * Under the network prefix (e.g. {@code /coreos.com/network}); all values JSON:
 * <pre>
 *   docker/networks/&lt;networkID&gt;          {"Name":"my-overlay","Subnet":"192.168.100.0/24","Gateway":"192.168.100.1",
 *                                          "IPRange":"","VNI":4096,"Options":{},"Attachable":true,"Labels":{},
 *                                          "IPAMDriver":"crossnet","IPAMOptions":{},"CreatedBy":"h1","Created":"…"}
 *   docker/vni/&lt;vni&gt;                     &lt;networkID&gt;   (taken with create: one network per VNI, from 4096 up)
 *   docker/attachments/&lt;networkID&gt;/&lt;host&gt; {"DockerID":"f13d1365…"}   (that host's Docker network for it)
 *   docker/endpoints/&lt;networkID&gt;/&lt;endpointID&gt;
 *                                         {"Host":"h2","HostIP":"172.30.0.12","Address":"192.168.100.3/24",
 *                                          "MacAddress":"02:42:c0:a8:64:03","Interface":"cnv2b8ca65f0c","Container":"busybox2"}
 *   docker/hosts/&lt;host&gt;                  {"Started":"…"}   (TTL: the host is alive; see below)
 * </pre>
 * {@code networkID} is the Docker ID on the host that created the network ({@code crossnet network
 * create}: a random one). {@code Name} is empty until that host's {@link dev.crossnet.docker.EngineSync}
 * reads it from dockerd (Docker does not pass names to drivers); other hosts create the network once
 * it has one. Addresses themselves are the IPAM's, under {@code ipam/} ({@link dev.crossnet.ipam.StoreIpam}).
 *
 * <h2>Dead hosts</h2>
 * A host's endpoints, attachments and IPAM claims and container addresses live as long as the host
 * does. They carry no TTL themselves: a host's containers outlive its agent, so its records must
 * outlive an agent restart. Instead each host keeps one presence record, {@code docker/hosts/<host>},
 * written with a TTL ({@code --docker-presence-ttl}, 15 s) and kept alive every third of it by
 * {@link dev.crossnet.docker.HostPresence} (the agent with {@code --docker-plugin}, and {@code
 * crossnet plugin serve}), as the DNS name records are. Every agent with {@code --docker-plugin} runs
 * a {@link dev.crossnet.docker.HostReaper}: a host that holds records but whose presence record it
 * has seen missing for {@code --docker-reap-after} (5 min, at least three TTLs) without a break is
 * reaped, with compare-and-delete, so any number of agents may reap at once. Peers drop their FDB and
 * neighbour entries to it through their store watch, its addresses go back to the pool, and {@code
 * docker network rm} of its networks is allowed again. Why not one shared TTL (an etcd lease per host):
 * the {@link dev.crossnet.store.Store} interface grants a lease per write, the embedded store has no
 * leases, and records that die with a short TTL would take a restarting host's containers with them.
 * Why not the subnet lease: it lives 24 h (a reserved one forever) and names a PublicIP, not the
 * host. A host that comes back after being reaped finds its records gone: its containers need
 * reconnecting ({@code docker network disconnect/connect}, or a restart); its IPAM releases only
 * its own addresses, so it never frees one that went to another host meanwhile.
 */
package dev.crossnet.docker;
