package io.egressprobe.probe;

import io.egressprobe.config.TlsSettings;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Netty client TLS contexts, one per distinct {@link TlsSettings}: building one loads a trust store, so
 * it happens once per setting, not per attempt. Client session caches are off, so that every attempt
 * pays a full handshake as a new client would.
 */
final class TlsContexts {
    private final TlsEngine engine;
    private final Map<TlsSettings, SslContext> contexts = new ConcurrentHashMap<>();

    TlsContexts(TlsEngine engine) {
        this.engine = engine;
    }

    SslContext forSettings(TlsSettings tls) throws SSLException {
        SslContext existing = contexts.get(tls);
        if (existing != null) {
            return existing;
        }
        SslContext created = build(tls);
        SslContext raced = contexts.putIfAbsent(tls, created);
        return raced == null ? created : raced;
    }

    /** Forget contexts so that changed CA files are read again (called on config reload). */
    void clear() {
        contexts.clear();
    }

    private SslContext build(TlsSettings tls) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(engine.isOpenSsl() ? SslProvider.OPENSSL : SslProvider.JDK);
        if (!tls.verify()) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else {
            builder.endpointIdentificationAlgorithm("HTTPS");
            if (tls.caFile().isPresent()) {
                builder.trustManager(tls.caFile().get().toFile());
            } else {
                builder.trustManager((TrustManagerFactory) null); // the JVM's default trust store
            }
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
}
