/**
 * The etcd v3 store, through jetcd: {@link dev.crossnet.store.etcd.EtcdStore} and
 * {@link dev.crossnet.store.etcd.EtcdLauncher}, which runs a real etcd process for the lab and tests.
 * No jetcd or gRPC type may leave this package: callers see only {@code dev.crossnet.store} types.
 */
package dev.crossnet.store.etcd;
