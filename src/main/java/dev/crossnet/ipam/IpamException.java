package dev.crossnet.ipam;

import dev.crossnet.CrossnetException;

/** A pool or address request that cannot be met; the message names the pool, address or option at fault. */
public class IpamException extends CrossnetException {
    public IpamException(String message) {
        super(message);
    }
}
