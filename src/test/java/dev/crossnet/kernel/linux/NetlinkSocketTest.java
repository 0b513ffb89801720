package dev.crossnet.kernel.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The socket against the kernel of the namespace the tests run in: reading rtnetlink needs neither
 * root nor a network, only the loopback device every namespace has (ifindex 1).
 */
class NetlinkSocketTest {

    private final NetlinkSocket socket = new NetlinkSocket(null);

    @AfterEach
    void close() {
        socket.close();
    }

    @Test
    void loopback_readByNameAndByIndex() {
        assertThat(RtnlLinks.index(socket, "lo")).isEqualTo(1);
        assertThat(RtnlLinks.name(socket, 1)).isEqualTo("lo");
        assertThat(RtnlLinks.link(socket, "lo")).satisfies(l -> {
            assertThat(l.index()).isEqualTo(1);
            assertThat(l.kind()).isEmpty();
            assertThat(l.mac()).isEqualTo("00:00:00:00:00:00");
        });
    }

    @Test
    void absentDevice_isNoDevice_notAnError() {
        assertThat(RtnlLinks.index(socket, "cnknosuchdev")).isZero();
        assertThat(RtnlLinks.link(socket, "cnknosuchdev")).isNull();
        assertThat(RtnlLinks.name(socket, 0x7ffffff0)).isEqualTo("if" + 0x7ffffff0);
        assertThat(LinuxKernel.host().neighbours().listPermanent("cnknosuchdev")).isEmpty();
        assertThat(LinuxKernel.host().fdb().listPermanent("cnknosuchdev")).isEmpty();
    }

    /** A refused request fails with the kernel's errno and names what was asked; the socket keeps working. */
    @Test
    void refusedRequest_failsWithTheKernelsError_andTheNextRequestWorks() {
        Rtnl.Request bogus = new Rtnl.Request(0x7f0, Rtnl.NLM_F_REQUEST, 0);

        assertThatThrownBy(() -> socket.request(bogus, "ask for nothing"))
                .isInstanceOfSatisfying(NetlinkSocket.NetlinkException.class, e -> assertThat(e.errno()).isPositive())
                .hasMessageStartingWith("cannot ask for nothing: ").hasMessageContaining("(errno ");
        assertThat(RtnlLinks.index(socket, "lo")).isEqualTo(1);
    }

    @Test
    void linkDump_endsAtDone_andHoldsLoopback() {
        ByteBuffer links = socket.request(new Rtnl.Request(Rtnl.RTM_GETLINK, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_DUMP,
                Rtnl.IFINFOMSG_LEN), "list devices");
        Rtnl.Messages m = new Rtnl.Messages(links);
        boolean lo = false;
        while (m.next()) {
            assertThat(m.type()).isEqualTo(Rtnl.RTM_NEWLINK);
            lo |= m.s32(4) == 1 && "lo".equals(m.attrs(Rtnl.IFINFOMSG_LEN).string(Rtnl.IFLA_IFNAME));
        }
        assertThat(lo).isTrue();
    }
}
