package io.egressprobe.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Loopback TCP servers that misbehave in one precise way each. */
public final class RawServers {
    private RawServers() {}

    /** A port nothing listens on: bound once to find it free, then released. */
    public static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Accepts and then says nothing, ever: the client's handshake waits until its own deadline. */
    public static Server silent() throws IOException {
        return new Server(socket -> { });
    }

    /** Reads the ClientHello and answers with a TCP reset (SO_LINGER 0), as a middlebox cutting the flow does. */
    public static Server resetAfterClientHello() throws IOException {
        return new Server(socket -> {
            InputStream in = socket.getInputStream();
            if (in.read(new byte[1024]) > 0) {
                socket.setSoLinger(true, 0);
                socket.close();
            }
        });
    }

    /** Reads the ClientHello and closes cleanly (FIN): EOF mid-handshake. */
    public static Server closeAfterClientHello() throws IOException {
        return new Server(socket -> {
            if (socket.getInputStream().read(new byte[1024]) > 0) {
                socket.close();
            }
        });
    }

    /** Sends one byte a second and never a whole TLS record (slowloris), for at most ten minutes. */
    public static Server slowloris() throws IOException {
        return new Server(socket -> {
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; i < 600 && !socket.isClosed(); i++) {
                        socket.getOutputStream().write(0x16);
                        socket.getOutputStream().flush();
                        Thread.sleep(1000); // the misbehaviour under test: a byte a second
                    }
                } catch (IOException | InterruptedException e) {
                    // the client gave up
                }
            }, "slowloris");
            t.setDaemon(true);
            t.start();
        });
    }

    /** Answers the ClientHello with an HTTP error instead of a ServerHello, and keeps the connection open. */
    public static Server garbage() throws IOException {
        return new Server(socket -> {
            if (socket.getInputStream().read(new byte[1024]) > 0) {
                socket.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
            }
        });
    }

    /** Starts a ServerHello (a record header and the first bytes of the message) and then resets the connection. */
    public static Server resetAfterServerHello() throws IOException {
        return new Server(socket -> {
            if (socket.getInputStream().read(new byte[1024]) > 0) {
                socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x03, 0x00, 0x40, 0x02, 0x00, 0x00, 0x3c, 0x03, 0x03});
                socket.getOutputStream().flush();
                socket.setSoLinger(true, 0);
                socket.close();
            }
        });
    }

    @FunctionalInterface
    public interface Behaviour {
        void on(Socket accepted) throws IOException;
    }

    public static final class Server implements AutoCloseable {
        private final ServerSocket socket;
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();

        Server(Behaviour behaviour) throws IOException {
            socket = new ServerSocket();
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread t = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        accepted.add(s);
                        behaviour.on(s);
                    } catch (IOException e) {
                        // next connection, or closed
                    }
                }
            }, "raw-server");
            t.setDaemon(true);
            t.start();
        }

        public int port() {
            return socket.getLocalPort();
        }

        /** Connections accepted so far. */
        public int accepted() {
            return accepted.size();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
