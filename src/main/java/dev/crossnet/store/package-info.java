/**
 * The cluster store: a small key/value contract (get, put, create, compare-and-set, delete, list,
 * TTL, watch) with two mechanisms, {@code sqlite} (embedded, multi-process) and {@code etcd}.
 * Nothing here knows about leases or networks; allocation policy lives in {@code lease}.
 */
package dev.crossnet.store;
