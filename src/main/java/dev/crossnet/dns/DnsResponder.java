package dev.crossnet.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Turns one DNS query (wire bytes) into its answer, from a {@link NameTable}. Authoritative for
 * container names only; everything else is REFUSED, never looked up elsewhere, so this is not an
 * open resolver. REFUSED also makes Docker's embedded DNS try the daemon's next {@code --dns}
 * server, which is how containers still resolve outside names.
 *
 * <ul>
 *   <li>A (or ANY) for a name the asker may see: the addresses, authoritative, TTL {@value #TTL_SECONDS} s.
 *   <li>Any other type for such a name: NOERROR with no answer (so a resolver asking A and AAAA
 *       together keeps the A answer).
 *   <li>A name the asker may not see, or a class other than IN: REFUSED.
 *   <li>Not a standard query: NOTIMP. Not exactly one question, or unparseable after the header:
 *       FORMERR. Shorter than a header, or a response: dropped (null), to never answer an answer.
 * </ul>
 * Stateless apart from the table; thread-safe.
 */
public final class DnsResponder {
    /** Short, as containers come and go; Docker's embedded DNS does not cache forwarded answers. */
    static final long TTL_SECONDS = 5;
    static final int UDP_PLAIN_LIMIT = 512; // RFC 1035 section 4.2.1, without EDNS
    static final int HEADER_BYTES = 12;

    private final NameTable table;

    public DnsResponder(NameTable table) {
        this.table = table;
    }

    /** @return the answer's wire bytes, or null if nothing should be sent */
    public byte[] respond(byte[] query, InetAddress source) {
        Message q;
        try {
            q = new Message(query);
        } catch (IOException e) {
            return query.length >= HEADER_BYTES && (query[2] & 0x80) == 0 ? error(idOf(query), Rcode.FORMERR).toWire() : null;
        }
        Header h = q.getHeader();
        if (h.getFlag(Flags.QR)) {
            return null;
        }
        Message r = new Message(h.getID());
        r.getHeader().setFlag(Flags.QR);
        if (h.getFlag(Flags.RD)) {
            r.getHeader().setFlag(Flags.RD);
        }
        if (h.getOpcode() != Opcode.QUERY) {
            r.getHeader().setOpcode(h.getOpcode());
            r.getHeader().setRcode(Rcode.NOTIMP);
            return r.toWire();
        }
        List<Record> questions = q.getSection(Section.QUESTION);
        if (questions.size() != 1) {
            r.getHeader().setRcode(Rcode.FORMERR);
            return r.toWire();
        }
        Record question = questions.get(0);
        r.addRecord(question, Section.QUESTION);
        List<String> addresses = question.getDClass() == DClass.IN
                ? table.resolve(question.getName().toString(true), source.getHostAddress()) : List.of();
        if (addresses.isEmpty()) {
            r.getHeader().setRcode(Rcode.REFUSED);
            return r.toWire();
        }
        r.getHeader().setFlag(Flags.AA);
        if (question.getType() == Type.A || question.getType() == Type.ANY) {
            for (String a : addresses) {
                r.addRecord(new ARecord(question.getName(), DClass.IN, TTL_SECONDS, inet(a)), Section.ANSWER);
            }
        }
        OPTRecord opt = q.getOPT();
        int limit = opt == null ? UDP_PLAIN_LIMIT : Math.max(UDP_PLAIN_LIMIT, opt.getPayloadSize());
        return r.toWire(limit); // sets TC if the answer does not fit
    }

    private static int idOf(byte[] query) {
        return ((query[0] & 0xff) << 8) | (query[1] & 0xff);
    }

    private static Message error(int id, int rcode) {
        Message m = new Message(id);
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setRcode(rcode);
        return m;
    }

    private static InetAddress inet(String dottedQuad) {
        try {
            return InetAddress.getByAddress(Ipv4.bytes(dottedQuad)); // no lookup: raw bytes
        } catch (UnknownHostException e) {
            throw new IllegalStateException("not an IPv4 address: " + dottedQuad, e);
        }
    }
}
