package dev.crossnet.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class DnsResponderTest {
    private final NameTable table = new NameTable("/p");
    private final DnsResponder responder = new DnsResponder(table);
    private InetAddress asker;
    private InetAddress stranger;

    @BeforeEach
    void records() throws Exception {
        for (NameRecord r : List.of(new NameRecord("mv", "c1", "h1", "192.168.100.2", List.of("busybox1")),
                new NameRecord("mv", "c2", "h2", "192.168.100.3", List.of("busybox2", "web")))) {
            table.put(r.key("/p"), r.toJson());
        }
        asker = InetAddress.getByAddress(new byte[] {(byte) 192, (byte) 168, 100, 2});
        stranger = InetAddress.getByAddress(new byte[] {10, 99, 0, 1});
    }

    private Message ask(String name, int type, InetAddress from) throws Exception {
        Message q = Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN));
        byte[] answer = responder.respond(q.toWire(), from);
        Message m = new Message(answer);
        assertThat(m.getHeader().getID()).isEqualTo(q.getHeader().getID());
        assertThat(m.getHeader().getFlag(Flags.QR)).isTrue();
        return m;
    }

    @Test
    void a_knownName_authoritativeAnswer() throws Exception {
        Message m = ask("busybox2", Type.A, asker);
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(m.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(m.getSection(Section.ANSWER)).singleElement().satisfies(r -> {
            assertThat(((ARecord) r).getAddress().getHostAddress()).isEqualTo("192.168.100.3");
            assertThat(r.getTTL()).isEqualTo(DnsResponder.TTL_SECONDS);
            assertThat(r.getName().toString()).isEqualTo("busybox2.");
        });
    }

    @Test
    void aaaa_knownName_noDataNotRefused() throws Exception {
        Message m = ask("web", Type.AAAA, asker);
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(m.getSection(Section.ANSWER)).isEmpty();
    }

    @Test
    void unknownNameOrUnknownAsker_refused() throws Exception {
        assertThat(ask("example.com", Type.A, asker).getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(ask("busybox2", Type.A, stranger).getRcode()).isEqualTo(Rcode.REFUSED);
    }

    @Test
    void notAQuery_notImp_responseDropped_garbageFormErr() throws Exception {
        Message q = Message.newQuery(Record.newRecord(Name.fromString("busybox2."), Type.A, DClass.IN));
        q.getHeader().setOpcode(Opcode.STATUS);
        assertThat(new Message(responder.respond(q.toWire(), asker)).getRcode()).isEqualTo(Rcode.NOTIMP);

        Message r = Message.newQuery(Record.newRecord(Name.fromString("busybox2."), Type.A, DClass.IN));
        r.getHeader().setFlag(Flags.QR);
        assertThat(responder.respond(r.toWire(), asker)).isNull();

        assertThat(responder.respond(new byte[5], asker)).isNull();
        byte[] garbage = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63, 'x'};
        Message err = new Message(responder.respond(garbage, asker));
        assertThat(err.getHeader().getID()).isEqualTo(0x1234);
        assertThat(err.getRcode()).isEqualTo(Rcode.FORMERR);
    }
}
