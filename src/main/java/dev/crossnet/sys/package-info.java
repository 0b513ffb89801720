/**
 * Thin, allocation-free bindings to the Linux C library (JNA direct mapping) for the userspace
 * datapath and namespace utilities. Nothing here holds state or knows about crossnet's domain;
 * callers own every file descriptor and every native buffer they pass in.
 */
package dev.crossnet.sys;
