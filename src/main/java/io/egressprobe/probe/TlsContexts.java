package io.egressprobe.probe;

import io.egressprobe.config.ClientKeys;
import io.egressprobe.config.TlsSettings;
import io.egressprobe.measure.ClientCertificateProblem;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Netty client TLS contexts, one per distinct {@link TlsSettings}. Building one parses PEM, loads a trust store (the
 * JVM's {@code cacerts}: tens of milliseconds) and, with BoringSSL, makes a native context: that runs on a worker
 * thread, never on the event loop, and the result is swapped in whole. Client session caches are off, so that every
 * attempt pays a full handshake as a new client would; verified chains are remembered ({@link RememberingTrustManager}).
 *
 * <p>A mounted Secret rotates by swapping a symlink ({@code ..data}, Kubernetes' {@code AtomicWriter}): the client
 * certificate's files are looked at at most once a second per setting (two {@code stat} calls, on the worker), and a
 * change builds a new context while attempts go on with the current one. The pair is read atomically: the files'
 * identities before and after the read must agree and the key must be the certificate's ({@link ClientKeys#pair}),
 * else the current context stays and the files are read again at the next look; a mismatch still there a look later
 * is the configuration, and attempts fail on it naming both files.
 *
 * <p>Thread safety: {@link #ready} and {@link #newHandler} run on event loops and never block; builds run on Vert.x
 * worker threads, one at a time per setting. BoringSSL contexts are reference-counted: a handler is made under a
 * reference of its own, so that a swap that frees the old context concurrently never frees one in use.
 */
final class TlsContexts {
    /** How often the client certificate's files are looked at, at most, per setting. */
    static final long LOOK_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final char[] KEY_PASSWORD = "egress-probe".toCharArray();
    /** Reads of the pair while the files keep changing under it before the current context is kept instead. */
    private static final int READS = 3;

    private final Vertx vertx;
    private final TlsEngine engine;
    private final Clock clock;
    private final Map<TlsSettings, Holder> holders = new ConcurrentHashMap<>();
    /** What each engine's server asked of the client certificate: only the key manager is told, during the handshake. */
    private final Map<SSLEngine, ClientCertificateRequest> asked = Collections.synchronizedMap(new WeakHashMap<>());

    TlsContexts(Vertx vertx, TlsEngine engine, Clock clock) {
        this.vertx = vertx;
        this.engine = engine;
        this.clock = clock;
    }

    /** A setting's state: the context attempts use, or why there is none. */
    private sealed interface State permits Usable, Broken {}

    /**
     * @param files  the client certificate files' identities it was built from
     * @param issuer the client certificate's issuer, for the words of a refusal
     */
    private record Usable(SslContext context, FileIdentities files, Optional<String> issuer) implements State {}

    private record Broken(SSLException error, FileIdentities files) implements State {}

    /**
     * Completes once the setting has a state (at once, but for the first attempt of a setting and the first after a
     * reload), and starts a look at the files where one is due. Never blocks.
     */
    Future<Void> ready(TlsSettings tls) {
        Holder h = holders.computeIfAbsent(tls, Holder::new);
        return h.ready(System.nanoTime());
    }

    /**
     * A TLS handler for one connection, from the setting's current context. It must go into the channel's pipeline at
     * once: the pipeline's teardown is what frees its engine.
     *
     * @throws SSLException where the setting has no usable context (its message says why, naming the files)
     */
    SslHandler newHandler(TlsSettings tls, String peerHost, int port) throws SSLException {
        Holder h = holders.get(tls);
        for (int tries = 0; tries < 100; tries++) {
            State state = h == null ? null : h.state;
            if (state == null) {
                throw new SSLException("no TLS context for this target yet");
            }
            if (state instanceof Broken broken) {
                throw broken.error();
            }
            SslContext context = ((Usable) state).context();
            try {
                ReferenceCountUtil.retain(context);
            } catch (IllegalReferenceCountException swappedAndFreed) {
                continue; // a newer context took its place meanwhile: take that one
            }
            try {
                return context.newHandler(ByteBufAllocator.DEFAULT, peerHost, port);
            } finally {
                ReferenceCountUtil.release(context);
            }
        }
        throw new SSLException("the TLS context kept changing");
    }

    /** Looks at the setting's files now, as a due look does, without waiting for the second to pass (tests). */
    Future<Void> lookNow(TlsSettings tls) {
        return holders.computeIfAbsent(tls, Holder::new).lookNow();
    }

    /** The issuer of the setting's client certificate, as the current context holds it. */
    Optional<String> clientIssuer(TlsSettings tls) {
        Holder h = holders.get(tls);
        return h != null && h.state instanceof Usable usable ? usable.issuer() : Optional.empty();
    }

    /** What the server of this engine's handshake asked of the client certificate, if it asked (a CertificateRequest). */
    Optional<ClientCertificateRequest> request(SSLEngine engine) {
        return Optional.ofNullable(asked.get(engine));
    }

    /**
     * Build every setting's context again before its next attempt, so that changed CA files are read (config reload);
     * attempts under way keep theirs. A setting no attempt used since the previous reload is dropped.
     */
    void clear() {
        holders.values().removeIf(h -> h.reloadOrDrop());
    }

    /** One setting's context and the looks at its files. */
    private final class Holder {
        private final TlsSettings tls;
        private volatile State state;
        /** The look that builds a first context or rebuilds after a reload: attempts wait for it. */
        private Future<Void> awaited = Future.succeededFuture();
        private Future<Void> lastLook = Future.succeededFuture();
        private long nextLookNanos;
        private boolean lookInFlight;
        private boolean reloadRequired = true;
        private boolean usedSinceReload = true;
        private boolean dropped;
        /** The files' identities of a pair that did not load while a usable context was kept: seen twice, it is the configuration. */
        private FileIdentities suspect;

        Holder(TlsSettings tls) {
            this.tls = tls;
        }

        synchronized Future<Void> ready(long now) {
            usedSinceReload = true;
            if (!lookInFlight && (reloadRequired || state == null || now - nextLookNanos >= 0)) {
                boolean wait = reloadRequired || state == null;
                Future<Void> look = startLook(now);
                if (wait) {
                    awaited = look;
                }
            }
            // Attempts wait for a first build and for the rebuild after a reload; otherwise they go on with the current
            // context while the files are looked at.
            return awaited.isComplete() ? Future.succeededFuture() : awaited.otherwiseEmpty();
        }

        synchronized Future<Void> lookNow() {
            return (lookInFlight ? lastLook : startLook(System.nanoTime())).otherwiseEmpty();
        }

        private Future<Void> startLook(long now) {
            boolean force = reloadRequired || !(state instanceof Usable);
            reloadRequired = false;
            lookInFlight = true;
            nextLookNanos = now + LOOK_EVERY_NANOS;
            lastLook = vertx.executeBlocking(() -> {
                look(force);
                return null;
            }, false);
            lastLook.onComplete(ar -> finished());
            return lastLook;
        }

        private synchronized void finished() {
            lookInFlight = false;
        }

        /** On a worker: build a new context where the files changed (or where forced), and swap it in. */
        private void look(boolean force) {
            FileIdentities now = FileIdentities.of(tls);
            State current = state;
            if (!force && current instanceof Usable usable && usable.files().equals(now)) {
                return;
            }
            try {
                swap(load());
            } catch (SSLException e) {
                if (current instanceof Usable && !force && !now.equals(suspect)) {
                    suspect = now; // maybe a rotation caught half-way: keep the current pair, read again at the next look
                } else {
                    swap(new Broken(e, now));
                }
            }
        }

        private synchronized void swap(State next) {
            suspect = null;
            if (dropped) {
                release(next);
                return;
            }
            State old = state;
            state = next;
            release(old);
        }

        /** On reload: build again before the next attempt; a holder unused since the last reload is released and dropped. */
        synchronized boolean reloadOrDrop() {
            if (!usedSinceReload) {
                dropped = true;
                release(state);
                state = null;
                return true;
            }
            usedSinceReload = false;
            reloadRequired = true;
            return false;
        }

        /** Reads the pair atomically and builds the context; on a worker. */
        private State load() throws SSLException {
            if (tls.client().isEmpty()) {
                return new Usable(build(tls, null), FileIdentities.NONE, Optional.empty());
            }
            Path certFile = tls.client().get().certFile();
            Path keyFile = tls.client().get().keyFile();
            for (int read = 0; read < READS; read++) {
                FileIdentities before = FileIdentities.of(tls);
                byte[] cert;
                byte[] key;
                try {
                    cert = Files.readAllBytes(certFile);
                    key = Files.readAllBytes(keyFile);
                } catch (IOException e) {
                    throw new SSLException(unusable("cannot read " + (e instanceof NoSuchFileException
                            ? e.getMessage() + ": no such file" : e.toString())), e);
                }
                if (!before.equals(FileIdentities.of(tls))) {
                    continue; // swapped while read: the certificate of one pair and the key of another, maybe
                }
                ClientKeys.Pair pair;
                try {
                    pair = ClientKeys.pair(certFile, cert, keyFile, key);
                } catch (GeneralSecurityException e) {
                    throw new SSLException(unusable(e.getMessage()), e);
                }
                return new Usable(build(tls, pair), before, Optional.of(pair.chain().get(0).getIssuerX500Principal().getName()));
            }
            throw new SSLException(unusable(certFile + " and " + keyFile + " changed during each of " + READS + " reads"));
        }
    }

    private static String unusable(String why) {
        return ClientCertificateProblem.UNUSABLE.text() + ": " + why;
    }

    private static void release(Object state) {
        if (state instanceof Usable usable) {
            ReferenceCountUtil.release(usable.context());
        }
    }

    /**
     * The identities of the client certificate's files as they are reached through their symlinks (device and inode,
     * size, modification time): a Kubernetes {@code ..data} swap gives both files new inodes, an in-place rewrite a new
     * size or time. One {@code stat} per file.
     */
    record FileIdentities(List<String> files) {
        static final FileIdentities NONE = new FileIdentities(List.of());

        static FileIdentities of(TlsSettings tls) {
            if (tls.client().isEmpty()) {
                return NONE;
            }
            return new FileIdentities(List.of(identity(tls.client().get().certFile()), identity(tls.client().get().keyFile())));
        }

        private static String identity(Path file) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return Objects.toString(a.fileKey()) + '/' + a.size() + '@' + a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
            } catch (IOException e) {
                return "unreadable";
            }
        }
    }

    private SslContext build(TlsSettings tls, ClientKeys.Pair pair) throws SSLException {
        // netty-tcnative asks the key manager for RSA and EC keys only (ReferenceCountedOpenSslClientContext's
        // supported key types), so BoringSSL would never send an Ed25519 certificate: such a target uses the JDK's TLS.
        boolean openSsl = engine.isOpenSsl() && (pair == null || !ClientKeys.isEd25519(pair.key()));
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(openSsl ? SslProvider.OPENSSL_REFCNT : SslProvider.JDK);
        if (!tls.verify()) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else {
            builder.endpointIdentificationAlgorithm("HTTPS")
                    .trustManager(new RememberingTrustManager(trustManager(tls.caFile().orElse(null)), clock));
        }
        builder.keyManager(new RecordingKeyManagerFactory(clientKeyManager(pair), asked));
        SslContext context = builder.build();
        SSLSessionContext sessions = context.sessionContext();
        if (sessions instanceof OpenSslSessionContext boringSsl) {
            boringSsl.setSessionCacheEnabled(false);
        } else if (sessions != null) {
            sessions.setSessionCacheSize(1);
            sessions.setSessionTimeout(1);
        }
        return context;
    }

    /** The client certificate's key manager; one without keys where the target has none (it still records the asking). */
    static X509ExtendedKeyManager clientKeyManager(ClientKeys.Pair pair) throws SSLException {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            if (pair != null) {
                keys.setKeyEntry("client", pair.key(), KEY_PASSWORD, pair.chain().toArray(new X509Certificate[0]));
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
            throw new SSLException("cannot hold the client certificate in a key store: " + e.getMessage(), e);
        }
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
