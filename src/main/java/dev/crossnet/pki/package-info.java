/**
 * The cluster's certificate authority: the CA made by {@code crossnet init} (its key stays on that
 * host), host certificates it signs for TLS (etcd, the join endpoint) and for other key types a host
 * must prove it owns (X25519 keys, for encryption), PEM files, and the CA digest that join tokens
 * carry. No I/O beyond reading and writing PEM files; nothing here talks to the network.
 */
package dev.crossnet.pki;
