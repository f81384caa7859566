package io.egressprobe.probe;

import io.egressprobe.config.TlsSettings;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Netty client TLS contexts, one per distinct {@link TlsSettings}: building one loads a trust store, so it happens once
 * per setting, not per attempt. Client session caches are off, so that every attempt pays a full handshake as a new
 * client would; verified chains are remembered ({@link RememberingTrustManager}).
 *
 * <p>BoringSSL contexts and engines are reference-counted rather than left to finalizers: an engine's native memory is
 * freed when its channel closes, not after two garbage collections and the finalizer thread. Handlers are made and
 * contexts released under one lock, so that a reload never frees a context a handler is being made from.
 */
final class TlsContexts {
    private final TlsEngine engine;
    private final Clock clock;
    private final Map<TlsSettings, SslContext> contexts = new HashMap<>();

    TlsContexts(TlsEngine engine, Clock clock) {
        this.engine = engine;
        this.clock = clock;
    }

    /**
     * A TLS handler for one connection. It must go into the channel's pipeline at once: the pipeline's teardown is what
     * frees its engine.
     */
    synchronized SslHandler newHandler(TlsSettings tls, String peerHost, int port) throws SSLException {
        SslContext context = contexts.get(tls);
        if (context == null) {
            context = build(tls);
            contexts.put(tls, context);
        }
        return context.newHandler(ByteBufAllocator.DEFAULT, peerHost, port);
    }

    /** Forget contexts so that changed CA files are read again (config reload); engines in use keep theirs alive. */
    synchronized void clear() {
        contexts.values().forEach(ReferenceCountUtil::release);
        contexts.clear();
    }

    private SslContext build(TlsSettings tls) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(engine.isOpenSsl() ? SslProvider.OPENSSL_REFCNT : SslProvider.JDK);
        if (!tls.verify()) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else {
            builder.endpointIdentificationAlgorithm("HTTPS")
                    .trustManager(new RememberingTrustManager(trustManager(tls.caFile().orElse(null)), clock));
        }
        SslContext context = builder.build();
        SSLSessionContext sessions = context.sessionContext();
        if (sessions instanceof OpenSslSessionContext openSsl) {
            openSsl.setSessionCacheEnabled(false);
        } else if (sessions != null) {
            sessions.setSessionCacheSize(1);
            sessions.setSessionTimeout(1);
        }
        return context;
    }

    /** The JVM's default trust store, or only the certificates of a CA file. */
    static X509ExtendedTrustManager trustManager(Path caFile) throws SSLException {
        try {
            KeyStore anchors = null;
            if (caFile != null) {
                anchors = KeyStore.getInstance(KeyStore.getDefaultType());
                anchors.load(null, null);
                try (InputStream in = Files.newInputStream(caFile)) {
                    int i = 0;
                    for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        anchors.setCertificateEntry("ca-" + i++, certificate);
                    }
                }
                if (anchors.size() == 0) {
                    throw new KeyStoreException("it holds no certificate");
                }
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(anchors);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new SSLException("no X.509 trust manager in " + factory.getAlgorithm());
        } catch (IOException | GeneralSecurityException e) {
            throw new SSLException((caFile == null ? "cannot load the JVM's trust store: " : "cannot read the CA file " + caFile + ": ")
                    + e.getMessage(), e);
        }
    }
}
