package io.egressprobe.probe;

import java.net.Socket;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies a server's chain as the delegate does (path to a trust anchor, validity, the host name) and remembers that
 * it did, so that the same chain from the same name passes at once on the next handshake. A probe sees one chain per
 * target thousands of times a day; verifying it again each time was a large share of a probe's CPU, and says nothing
 * new: the verdict for (chain, name, trust anchors) only changes when a certificate expires, and the anchors are this
 * manager's own (a CA file that changes makes a new one, on reload).
 *
 * <p>Only successes are remembered: a chain that fails is verified again every time, so its error is always the
 * engine's own. A remembered verdict lasts until the earliest expiry in the chain, and never more than {@link #MAX_AGE}.
 * The handshake itself is never skipped: the server still proves it holds the leaf's key.
 */
final class RememberingTrustManager extends X509ExtendedTrustManager {
    static final Duration MAX_AGE = Duration.ofMinutes(10);
    /** Chains remembered: a target has one, a few while a server rotates its certificate. */
    private static final int CAPACITY = 32;

    private final X509ExtendedTrustManager delegate;
    private final Clock clock;
    /** Verified chain → epoch millis until which the verdict holds; least recently used first. */
    private final Map<Verified, Long> verified = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Verified, Long> eldest) {
            return size() > CAPACITY;
        }
    };

    RememberingTrustManager(X509ExtendedTrustManager delegate, Clock clock) {
        this.delegate = delegate;
        this.clock = clock;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        Verified key = Verified.of(chain, authType, engine.getHandshakeSession(), engine.getSSLParameters());
        if (!isRemembered(key)) {
            delegate.checkServerTrusted(chain, authType, engine);
            remember(key, chain);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        if (!(socket instanceof SSLSocket tls)) {
            delegate.checkServerTrusted(chain, authType, socket);
            return;
        }
        Verified key = Verified.of(chain, authType, tls.getHandshakeSession(), tls.getSSLParameters());
        if (!isRemembered(key)) {
            delegate.checkServerTrusted(chain, authType, socket);
            remember(key, chain);
        }
    }

    private boolean isRemembered(Verified key) {
        long now = clock.millis();
        synchronized (verified) {
            Long until = verified.get(key);
            return until != null && now < until;
        }
    }

    private void remember(Verified key, X509Certificate[] chain) {
        long until = clock.millis() + MAX_AGE.toMillis();
        for (X509Certificate certificate : chain) {
            until = Math.min(until, certificate.getNotAfter().getTime());
        }
        synchronized (verified) {
            verified.put(key, until);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }

    /**
     * What a verdict depends on besides the anchors: the chain's exact bytes, the key exchange, the names checked and
     * how (the endpoint identification algorithm).
     */
    private record Verified(byte[][] chain, String authType, String name, String algorithm) {
        static Verified of(X509Certificate[] chain, String authType, SSLSession handshake, SSLParameters parameters)
                throws CertificateEncodingException {
            byte[][] encoded = new byte[chain.length][];
            for (int i = 0; i < chain.length; i++) {
                encoded[i] = chain[i].getEncoded();
            }
            return new Verified(encoded, authType, nameOf(handshake), String.valueOf(parameters.getEndpointIdentificationAlgorithm()));
        }

        /** Both names: the JDK checks the SNI name, and the peer host where the SNI name does not match. */
        private static String nameOf(SSLSession handshake) {
            if (handshake == null) {
                return "";
            }
            String sni = "";
            if (handshake instanceof ExtendedSSLSession extended) {
                for (SNIServerName name : extended.getRequestedServerNames()) {
                    if (name instanceof SNIHostName host) {
                        sni = host.getAsciiName();
                    }
                }
            }
            return sni + " " + handshake.getPeerHost();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Verified v && Arrays.deepEquals(chain, v.chain) && authType.equals(v.authType)
                    && name.equals(v.name) && algorithm.equals(v.algorithm);
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.deepHashCode(chain), authType, name, algorithm);
        }
    }
}
