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
 * </pre>
 * {@code networkID} is the Docker ID on the host that created the network ({@code crossnet network
 * create}: a random one). {@code Name} is empty until that host's {@link dev.crossnet.docker.EngineSync}
 * reads it from dockerd (Docker does not pass names to drivers); other hosts create the network once
 * it has one. Addresses themselves are the IPAM's, under {@code ipam/} ({@link dev.crossnet.ipam.StoreIpam}).
 */
package dev.crossnet.docker;
