/**
 * Name discovery for Docker containers across hosts: the names each host's dockerd knows are
 * published to the cluster store ({@link dev.crossnet.dns.DockerNames}), every host keeps them in a
 * {@link dev.crossnet.dns.NameTable}, and a small authoritative DNS server answers A queries from
 * it ({@link dev.crossnet.dns.DnsServer}). {@link dev.crossnet.dns.DockerDns} wires the three.
 * Nothing here touches the kernel or forwards queries anywhere: it is not a recursive resolver.
 */
package dev.crossnet.dns;
