/**
 * Real Docker engines for the namespaced lab: the shared containerd, one dockerd per simulated host
 * (its own network namespace, data root, containerd namespace and view of Docker's plugin
 * directory), and the busybox image imported from busybox-static. No mocks, no registry.
 */
package dev.crossnet.docker.lab;
