/**
 * Cluster-wide address pools for Docker networks. {@link dev.crossnet.ipam.Ipam} is the contract;
 * {@link dev.crossnet.ipam.StoreIpam} keeps every pool, claim and address in the cluster store and
 * allocates with atomic creates, so two hosts never hand out one address. Nothing here speaks
 * Docker's wire format: that lives in {@code dev.crossnet.docker}.
 */
package dev.crossnet.ipam;
