package dev.crossnet.docker.plugin;

import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.StringUtil;

/**
 * Jetty's HTTP/1.1 connections, except that a blank {@code Host} header counts as {@code localhost}.
 * dockerd's plugin client (moby {@code pkg/plugins} over a unix socket) sends {@code Host:} with no
 * value, which Jetty answers with 400 "Blank Host" and no setting relaxes; dockerd then refuses to
 * start with the authorization plugin. Only for the plugin socket, which only root can reach.
 *
 * <p>Leans on {@code HttpConnection.newHttpStream}, a protected hook of Jetty's {@code internal}
 * package: on a Jetty upgrade, {@code PluginServerTest}'s blank-Host case says whether it still holds.
 */
final class BlankHostConnectionFactory extends HttpConnectionFactory {
    private static final HostPortHttpField LOCALHOST = new HostPortHttpField("localhost");

    BlankHostConnectionFactory(HttpConfiguration config) {
        super(config);
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        HttpConnection connection = new HttpConnection(getHttpConfiguration(), connector, endPoint) {
            @Override
            protected HttpStreamOverHTTP1 newHttpStream(String method, String uri, HttpVersion version) {
                return new HttpStreamOverHTTP1(method, uri, version) {
                    @Override
                    public void parsedHeader(HttpField field) {
                        boolean blankHost = field.getHeader() == HttpHeader.HOST && StringUtil.isBlank(field.getValue());
                        super.parsedHeader(blankHost ? LOCALHOST : field);
                    }
                };
            }
        };
        connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
        return configure(connection, connector, endPoint);
    }
}
