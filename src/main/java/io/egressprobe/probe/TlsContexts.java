package io.egressprobe.probe;

import io.egressprobe.config.ClientKeys;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

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
    private static final char[] KEY_PASSWORD = "egress-probe".toCharArray();
    private final TlsEngine engine;
    private final Clock clock;
    private final Map<TlsSettings, Built> contexts = new HashMap<>();
    /** The engines whose server asked for a client certificate: only the key manager is told, and only during the handshake. */
    private final Set<SSLEngine> asked = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    /** A context, and the state of the client certificate files it was built from (none without them). */
    private record Built(SslContext context, String files) {}

    TlsContexts(TlsEngine engine, Clock clock) {
        this.engine = engine;
        this.clock = clock;
    }

    /**
     * A TLS handler for one connection. It must go into the channel's pipeline at once: the pipeline's teardown is what
     * frees its engine.
     */
    synchronized SslHandler newHandler(TlsSettings tls, String peerHost, int port) throws SSLException {
        String files = filesState(tls);
        Built built = contexts.get(tls);
        if (built == null || !built.files().equals(files)) {
            // A mounted Secret rotates by swapping the files: a new state is a new context, the old one freed.
            if (built != null) {
                ReferenceCountUtil.release(built.context());
            }
            built = new Built(build(tls), files);
            contexts.put(tls, built);
        }
        return built.context().newHandler(ByteBufAllocator.DEFAULT, peerHost, port);
    }

    /** Whether the server of this engine's handshake asked for a client certificate (a CertificateRequest). */
    boolean askedForCertificate(SSLEngine engine) {
        return asked.contains(engine);
    }

    /** Forget contexts so that changed CA files are read again (config reload); engines in use keep theirs alive. */
    synchronized void clear() {
        contexts.values().forEach(b -> ReferenceCountUtil.release(b.context()));
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
        builder.keyManager(new RecordingKeyManagerFactory(clientKeyManager(tls), asked));
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

    /** The client certificate's key manager; one without keys where the target has none (it still records the asking). */
    static X509ExtendedKeyManager clientKeyManager(TlsSettings tls) throws SSLException {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            if (tls.client().isPresent()) {
                var client = tls.client().get();
                List<X509Certificate> chain = ClientKeys.chain(client.certFile());
                keys.setKeyEntry("client", ClientKeys.privateKey(client.keyFile()), KEY_PASSWORD,
                        chain.toArray(new X509Certificate[0]));
            }
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(keys, KEY_PASSWORD);
            for (KeyManager manager : factory.getKeyManagers()) {
                if (manager instanceof X509ExtendedKeyManager x509) {
                    return x509;
                }
            }
            throw new SSLException("no X.509 key manager in " + factory.getAlgorithm());
        } catch (IOException | GeneralSecurityException e) {
            throw new SSLException("cannot read the client certificate " + tls.client().map(c -> c.certFile() + " / " + c.keyFile())
                    .orElse("") + ": " + e.getMessage(), e);
        }
    }

    /** The client certificate files' sizes and times: a change makes a new context. */
    static String filesState(TlsSettings tls) {
        if (tls.client().isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (Path f : List.of(tls.client().get().certFile(), tls.client().get().keyFile())) {
            try {
                b.append(Files.size(f)).append('@').append(Files.getLastModifiedTime(f).toMillis()).append(';');
            } catch (IOException e) {
                b.append("unreadable;"); // the build that follows says why
            }
        }
        return b.toString();
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
